/**
 * Health: per-hop latencies, per-source staleness (as of the cursor, like every panel), integrity
 * counters and the recorder's queue.
 */
import { sourceStaleness } from '../../../shared/players/inputs';
import { useSession } from '../app-context';
import { formatAge, formatNumber, formatSize } from '../format';
import { Panel } from './Panel';
import { ingestMs } from '../../../shared/event-time';

const STALE_WARN_S = 10;
const STALE_BAD_S = 60;

export function HealthPanel() {
  const health = useSession((s) => s.channels.health);
  const channels = useSession((s) => s.channels);
  const at = useSession((s) => s.clock?.current_ms ?? s.channels.at_ms);
  if (!health) {
    return (
      <Panel id="health" title="Health">
        <div className="empty">No health record yet.</div>
      </Panel>
    );
  }
  const dropped = Object.entries(health.dropped).filter(([, n]) => n > 0);
  return (
    <Panel id="health" title="Health" extra={at !== null ? <span className="dim">{formatAge(at - ingestMs(health))} ago</span> : null}>
      <div style={{ display: 'grid', gridTemplateColumns: '1fr 1fr', gap: 8 }}>
        <table className="grid">
          <thead>
            <tr>
              <th>Hop</th>
              <th className="num">ms</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(health.latency_ms).map(([hop, ms]) => (
              <tr key={hop}>
                <td>{hop.replaceAll('_', ' ')}</td>
                <td className={`num ${ms > 1000 ? 'bad' : ms > 250 ? 'warn' : ''}`}>{formatNumber(ms, ms < 10 ? 1 : 0)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="grid">
          <thead>
            <tr>
              <th>Source</th>
              <th className="num">stale</th>
            </tr>
          </thead>
          <tbody>
            {Object.entries(at === null ? health.staleness_s : sourceStaleness(channels, at)).map(([source, s]) => (
              <tr key={source} data-testid="health-staleness" data-source={source} data-seconds={s}>
                <td>{source}</td>
                <td className={`num ${s > STALE_BAD_S ? 'bad' : s > STALE_WARN_S ? 'warn' : ''}`}>{formatAge(s * 1000)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <dl className="kv" style={{ marginTop: 6, gridTemplateColumns: 'auto 1fr auto 1fr' }} data-testid="health-counters">
        <dt>Gaps</dt>
        <dd className={health.gaps > 0 ? 'warn' : ''}>{health.gaps}</dd>
        <dt>Resyncs</dt>
        <dd className={health.resyncs > 0 ? 'warn' : ''}>{health.resyncs}</dd>
        <dt>Reconnects</dt>
        <dd>{health.reconnects}</dd>
        <dt>Queue</dt>
        <dd>
          {health.queue_depth} · {formatSize(health.queue_bytes)}B
        </dd>
        <dt>Flush p99</dt>
        <dd>{formatNumber(health.flush_ms_p99, 1, ' ms')}</dd>
        <dt>Written</dt>
        <dd>{formatSize(health.events_written)}</dd>
      </dl>
      {dropped.length > 0 && (
        <div className="alert" style={{ marginTop: 6, marginBottom: 0 }}>
          shed by recorder: {dropped.map(([ch, n]) => `${ch} ${n}`).join(', ')}
        </div>
      )}
    </Panel>
  );
}
