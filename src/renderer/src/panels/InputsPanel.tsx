/**
 * Inputs at the cursor (shown when paused): the correlation the moment belongs to, the open event
 * windows, and every observation/feature that was active with its staleness. Every correlation id
 * is a link to the list of the events that carry it.
 */
import { useApp, useSession } from '../app-context';
import { formatAge, formatNumber, shortId } from '../format';
import { activeInputs, type ActiveInput } from '../../../shared/players/inputs';
import { cursorStory } from '../session/cursor';
import { Panel } from './Panel';
import { useTokenName } from './tokens';
import { ingestMs } from '../../../shared/event-time';

export function InputsPanel() {
  const playing = useSession((s) => s.clock?.playing ?? false);
  const channels = useSession((s) => (s.clock?.playing ? null : s.channels));
  const at = useSession((s) => s.clock?.current_ms ?? s.channels.at_ms);
  if (playing || !channels || at === null) {
    return (
      <Panel id="inputs" title="Inputs at cursor" className="grow">
        <div className="empty">{playing ? 'Pause (Space) to inspect the inputs at the cursor.' : 'Nothing at the cursor yet.'}</div>
      </Panel>
    );
  }
  const story = cursorStory(channels);
  const inputs = activeInputs(channels, at);
  const observations = inputs.filter((i) => i.kind !== 'feature' && i.kind !== 'source');
  const features = inputs.filter((i) => i.kind === 'feature');
  const sources = inputs.filter((i) => i.kind === 'source');
  const windows = Object.values(channels.open_windows);
  return (
    <Panel id="inputs" title="Inputs at cursor" className="grow">
      <div className="section-title">correlation_id</div>
      {story ? (
        <CorrelationLink id={story.correlation_id} className="corr" testId="cursor-correlation-id" source={story.source} />
      ) : (
        <div className="corr" data-testid="cursor-correlation-id" data-source="">
          —
        </div>
      )}
      <div className="dim" style={{ fontSize: 10.5, marginBottom: 4 }}>
        {story?.source === 'window' ? `from the open ${story.window?.reason} window` : story?.source === 'metar' ? 'from the latest METAR (no window open)' : 'from the last event'}
        {channels.last_event && ` · last event ${channels.last_event.ch} ${formatAge(at - ingestMs(channels.last_event))} before`}
      </div>
      {windows.length > 0 && (
        <>
          <div className="section-title">Open windows</div>
          <table className="grid">
            <tbody>
              {windows.map((w) => (
                <tr key={w.window_id}>
                  <td>
                    {w.reasons.join('+')}
                    {w.token_id ? <WindowToken tokenId={w.token_id} /> : null}
                  </td>
                  <td className="mono dim" title={w.window_id}>
                    {shortId(w.window_id)}
                  </td>
                  <td className="num">{formatAge(Date.parse(w.end_ts) - at)} left</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
      <InputTable title="Active observations" testId="active-inputs" inputs={observations} story={story?.correlation_id ?? null} />
      <InputTable title="Features (staleness at cursor)" testId="feature-staleness" inputs={features} story={story?.correlation_id ?? null} />
      <InputTable title="Sources (staleness at cursor)" testId="source-staleness" inputs={sources} story={story?.correlation_id ?? null} />
    </Panel>
  );
}

/** A correlation id that opens the list of every event carrying it. */
function CorrelationLink({ id, label, className, testId, source }: { id: string; label?: string; className?: string; testId?: string; source?: string }) {
  const { ui } = useApp();
  return (
    <button className={`link ${className ?? ''}`} data-testid={testId ?? 'correlation-link'} data-source={source} data-correlation={id} title={`${id}\nevery event with this id`} onClick={() => ui.getState().showCorrelation(id)}>
      {label ?? id}
    </button>
  );
}

/** The token a market-triggered window (shock, spread, depth) is about, by its bucket. */
function WindowToken({ tokenId }: { tokenId: string }) {
  const name = useTokenName(tokenId);
  return (
    <span className="dim" data-testid="window-token-label" title={`token ${tokenId}`}>
      {' '}
      · {name}
    </span>
  );
}

/** Staleness colouring: observations are expected hourly (METAR), sources every few seconds. */
function staleClass(i: ActiveInput): string {
  const limits = i.kind === 'source' ? [10, 60] : i.kind === 'metar' ? [3900, 7200] : [600, 3600];
  return i.staleness_s > limits[1]! ? 'bad' : i.staleness_s > limits[0]! ? 'warn' : '';
}

function InputTable({ title, testId, inputs, story }: { title: string; testId: string; inputs: ActiveInput[]; story: string | null }) {
  if (inputs.length === 0) return null;
  return (
    <>
      <div className="section-title">{title}</div>
      <table className="grid" data-testid={testId}>
        <thead>
          <tr>
            <th>input</th>
            <th className="num">value</th>
            <th className="num">stale</th>
            <th>correlation</th>
          </tr>
        </thead>
        <tbody>
          {inputs.map((i) => (
            <tr key={`${i.kind}:${i.name}`} className={i.correlation_id === story ? 'selected' : ''} title={`received ${i.received_at}\nevent ${i.event_id}`}>
              <td>{i.name.replaceAll('_', ' ')}</td>
              <td className="num">{typeof i.value === 'number' ? formatNumber(i.value, Number.isInteger(i.value) ? 0 : 2) : (i.value ?? '—')}</td>
              <td className={`num ${staleClass(i)}`}>{formatAge(i.staleness_s * 1000)}</td>
              <td className="mono dim" style={{ fontSize: 10.5 }}>
                <CorrelationLink id={i.correlation_id} label={shortId(i.correlation_id, 8, 4)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
