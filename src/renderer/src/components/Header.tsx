/**
 * The top bar: mode toggle and day, transport (seconds, events, METARs, windows, shocks), speed,
 * clock, time zone, and the actions (export, open snapshot, copy a link to the moment, panels,
 * SQL). It wraps onto a second line on a narrow window rather than push anything out of reach.
 */
import { CHANNELS } from '../../../shared/channels';
import { PLAYBACK_SPEEDS } from '../../../shared/player';
import { useApp, useSession, useUi } from '../app-context';
import { formatDateTime, formatSpeed, formatTime, offsetLabel, ZONES, type ZoneChoice } from '../format';
import { copyText, linkToMoment } from '../session/moment';
import { PANEL_TITLES, PANELS, type StepChannel } from '../store/ui-store';
import { useSelectedToken } from '../panels/tokens';
import { SourcesControl } from './SourcesDialog';

export function Header() {
  const { controller, ui, info, session } = useApp();
  const kind = useSession((s) => s.kind);
  // the parts of the clock the header shows, not the clock: it changes every frame while playing
  const capabilities = useSession((s) => s.clock?.capabilities ?? null);
  const stationId = useSession((s) => s.clock?.station_id ?? null);
  const date = useSession((s) => s.clock?.date ?? null);
  const playing = useSession((s) => s.clock?.playing ?? false);
  const currentSpeed = useSession((s) => s.clock?.speed ?? null);
  const zone = useUi((s) => s.zone);
  const hidden = useUi((s) => s.hidden);
  const stepChannel = useUi((s) => s.stepChannel);
  const selectedToken = useSelectedToken();
  const canPlay = capabilities?.includes('playbackControl') ?? false;
  const canSeek = capabilities?.includes('seek') ?? false;
  const canSpeed = capabilities?.includes('setSpeed') ?? false;
  const canStepEvents = canSeek && kind === 'replay';
  const liveAvailable = info?.live_available ?? false;

  const onReplay = () => {
    if (kind === 'replay') return;
    const last = controller.lastReplayDay;
    if (last) void controller.openDay(last).catch(() => {});
    else ui.getState().setDayPickerOpen(true);
  };

  const copyLink = async () => {
    const clock = session.getState().clock;
    if (kind !== 'replay' || !clock?.station_id || !clock.date) return;
    const link = linkToMoment(location.href, { station_id: clock.station_id, date: clock.date, t_ms: clock.current_ms });
    const copied = await copyText(link);
    ui.getState().notify(copied ? `Link copied: ${link}` : `Copy this link: ${link}`);
  };

  return (
    <header className="header" data-testid="header">
      <div className="brand">
        HELIOS<small>Tape</small>
      </div>
      <div className="group" role="group" aria-label="Data source">
        <div className="group seg">
          <button
            className="mode-live"
            data-testid="mode-live"
            aria-pressed={kind === 'live'}
            disabled={!liveAvailable}
            title={liveAvailable ? 'Live: the recorder’s stream' : 'No live source is recording'}
            onClick={() => kind !== 'live' && controller.goLive()}
          >
            {kind === 'live' && <span className="live-dot" />}LIVE
          </button>
          <button data-testid="mode-replay" aria-pressed={kind === 'replay'} onClick={onReplay} title="Replay a recorded day">
            REPLAY
          </button>
        </div>
        <SourcesControl />
        <button data-testid="open-day" onClick={() => ui.getState().setDayPickerOpen(true)} title="Open a recorded day">
          {stationId ?? '—'} {kind === 'replay' ? date : kind === 'live' ? 'today' : kind === 'snapshot' ? 'snapshot' : 'Open day…'}
        </button>
      </div>
      <div className="group" role="group" aria-label="Transport">
        <button data-testid="prev-metar" disabled={!canSeek} onClick={() => controller.jump('metar', -1)} title="Previous METAR (Shift+M)" aria-label="Previous METAR">
          « M
        </button>
        <button data-testid="step-back" disabled={!canSeek} onClick={() => controller.stepSeconds(-1)} title="Back 1 s (←)" aria-label="Back one second">
          ◀
        </button>
        <button
          data-testid="play-toggle"
          className={playing ? '' : 'primary'}
          disabled={!canPlay}
          onClick={() => controller.togglePlay()}
          title="Play / pause (Space)"
          aria-label={playing ? 'Pause' : 'Play'}
          style={{ minWidth: 56 }}
        >
          {playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <button data-testid="step-forward" disabled={!canSeek} onClick={() => controller.stepSeconds(1)} title="Forward 1 s (→)" aria-label="Forward one second">
          ▶
        </button>
        <button data-testid="next-metar" disabled={!canSeek} onClick={() => controller.jump('metar', 1)} title="Next METAR (M)" aria-label="Next METAR">
          M »
        </button>
        <button data-testid="next-window" disabled={!canSeek} onClick={() => controller.jump('window', 1)} title="Next event window (W, Shift+W previous)" aria-label="Next window">
          W »
        </button>
        <button data-testid="next-shock" disabled={!canSeek} onClick={() => controller.jump('shock', 1)} title="Next shock (S, Shift+S previous)" aria-label="Next shock">
          S »
        </button>
      </div>
      <div className="group" role="group" aria-label="Step by event">
        <button data-testid="prev-event" disabled={!canStepEvents} onClick={() => void controller.stepEvent(-1)} title="Previous event of the chosen channel (,)" aria-label="Previous event">
          ‹ ev
        </button>
        <select
          data-testid="step-channel"
          aria-label="Channel to step through"
          value={stepChannel}
          disabled={!canStepEvents}
          onChange={(e) => ui.getState().setStepChannel(e.target.value as StepChannel)}
          title="Which channel’s events ‹ ev / ev › step through"
        >
          <option value="any">any channel</option>
          {CHANNELS.map((ch) => (
            <option key={ch} value={ch}>
              {ch}
            </option>
          ))}
        </select>
        <button data-testid="next-event" disabled={!canStepEvents} onClick={() => void controller.stepEvent(1)} title="Next event of the chosen channel (.)" aria-label="Next event">
          ev ›
        </button>
        <button
          data-testid="next-delta"
          disabled={!canStepEvents || !selectedToken}
          onClick={() => selectedToken && void controller.stepEvent(1, { channel: 'l2_deltas', token: selectedToken })}
          title="Next book delta of the selected token (D, Shift+D previous)"
          aria-label="Next delta of the selected token"
        >
          Δ ›
        </button>
      </div>
      <div className="group seg" role="group" aria-label="Speed">
        {PLAYBACK_SPEEDS.map((speed, i) => (
          <button
            key={speed}
            data-testid={`speed-${speed}`}
            aria-pressed={currentSpeed === speed}
            disabled={!canSpeed}
            onClick={() => controller.setSpeed(speed)}
            title={`${formatSpeed(speed)} (${i + 1})`}
          >
            {formatSpeed(speed)}
          </button>
        ))}
      </div>
      <Presence />
      <div className="spacer" />
      <ClockReadout zone={zone} />
      <div className="group seg" role="group" aria-label="Time zone">
        {(Object.keys(ZONES) as ZoneChoice[]).map((z) => (
          <button key={z} data-testid={`zone-${z}`} aria-pressed={zone === z} onClick={() => ui.getState().setZone(z)}>
            {ZONES[z].label}
          </button>
        ))}
      </div>
      <div className="group" role="group" aria-label="Actions">
        <button data-testid="export-snapshot" disabled={kind === 'none'} onClick={() => void controller.exportSnapshot()} title="Export the correlation-id snapshot at the cursor">
          Export
        </button>
        <button data-testid="open-snapshot" onClick={() => void controller.openSnapshotFile()} title="Reopen an exported snapshot">
          Open snapshot
        </button>
        <button data-testid="copy-link" disabled={kind !== 'replay'} onClick={() => void copyLink()} title="Copy a link that opens this day at this moment">
          Copy link
        </button>
        <details className="menu" data-testid="panels-menu">
          <summary role="button" aria-label="Show or hide panels">
            Panels ▾
          </summary>
          <div className="menu-list" role="menu">
            {PANELS.map((p) => (
              <label key={p} role="menuitemcheckbox" aria-checked={!hidden[p]}>
                <input type="checkbox" data-testid={`panel-toggle-${p}`} checked={!hidden[p]} onChange={() => ui.getState().togglePanel(p)} /> {PANEL_TITLES[p]}
              </label>
            ))}
            <button data-testid="reset-layout" onClick={() => ui.getState().resetLayout()}>
              Reset layout
            </button>
          </div>
        </details>
        <button data-testid="toggle-sql" aria-pressed={!hidden.sql} onClick={() => ui.getState().togglePanel('sql')} title="SQL console over the loaded day">
          SQL
        </button>
        <button data-testid="open-sweep" disabled={kind !== 'replay'} onClick={() => ui.getState().setSweepOpen(true)} title="Window sweep: what each trigger setting would have captured on this day (Tools ▸ Window Sweep…)">
          Sweep
        </button>
      </div>
    </header>
  );
}

function ClockReadout({ zone }: { zone: ZoneChoice }) {
  const current = useSession((s) => s.clock?.current_ms ?? null);
  return (
    <div data-testid="clock" data-ms={current ?? ''} title={current === null ? '' : formatDateTime(current, zone)}>
      <div className="clock">{current === null ? '--:--:--' : formatTime(current, zone)}</div>
      <div className="clock-sub">{current === null ? ZONES[zone].label : `${ZONES[zone].label} ${offsetLabel(current, zone)}`}</div>
    </div>
  );
}

function Presence() {
  const presence = useSession((s) => s.clock?.presence ?? null);
  const error = useSession((s) => s.clock?.error ?? null);
  const kind = useSession((s) => s.kind);
  // Live, the recorder's latest health says whether the journal is being written (#13).
  const writeCode = useSession((s) => (s.kind === 'live' ? (s.channels.health?.write_error_code ?? null) : null));
  const writeError = useSession((s) => (s.kind === 'live' ? (s.channels.health?.write_error ?? null) : null));
  if (!presence) return null;
  const notWriting = presence === 'PRESENT' && writeCode !== null;
  const tone = notWriting || presence === 'ERROR' ? 'bad' : presence === 'PRESENT' ? 'ok' : 'warn';
  return (
    <span
      className={`badge ${tone}`}
      data-testid="presence"
      data-presence={presence}
      data-kind={kind}
      data-write-error={writeCode ?? undefined}
      title={notWriting ? `Not recording to disk: ${writeError}` : (error ?? '')}
    >
      {presence === 'PRESENT' ? (kind === 'snapshot' ? 'SNAPSHOT' : kind === 'live' ? (notWriting ? `LIVE · ${writeCode}` : 'LIVE') : 'READY') : presence}
    </span>
  );
}
