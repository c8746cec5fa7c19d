/** The top bar: mode toggle, day, transport, speed, clock, time-zone switch and actions. */
import { PLAYBACK_SPEEDS } from '../../../shared/player';
import { useApp, useSession, useUi } from '../app-context';
import { formatDateTime, formatSpeed, formatTime, offsetLabel, ZONES, type ZoneChoice } from '../format';
import { SourcesControl } from './SourcesDialog';

export function Header() {
  const { controller, ui, info } = useApp();
  const kind = useSession((s) => s.kind);
  const clock = useSession((s) => s.clock);
  const zone = useUi((s) => s.zone);
  const hidden = useUi((s) => s.hidden);
  const canPlay = clock?.capabilities.includes('playbackControl') ?? false;
  const canSeek = clock?.capabilities.includes('seek') ?? false;
  const canSpeed = clock?.capabilities.includes('setSpeed') ?? false;
  const liveAvailable = info?.live_available ?? false;

  const onReplay = () => {
    if (kind === 'replay') return;
    const last = controller.lastReplayDay;
    if (last) void controller.openDay(last).catch(() => {});
    else ui.getState().setDayPickerOpen(true);
  };

  return (
    <header className="header" data-testid="header">
      <div className="brand">
        HELIOS<small>Tape</small>
      </div>
      <div className="group seg" role="group" aria-label="Data source">
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
        {clock?.station_id ?? '—'} {kind === 'replay' ? clock?.date : kind === 'live' ? 'today' : kind === 'snapshot' ? 'snapshot' : 'Open day…'}
      </button>
      <div className="sep" />
      <div className="group" role="group" aria-label="Transport">
        <button disabled={!canSeek} onClick={() => controller.jump('metar', -1)} title="Previous METAR (Shift+M)" aria-label="Previous METAR">
          « M
        </button>
        <button disabled={!canSeek} onClick={() => controller.stepSeconds(-1)} title="Back 1 s (←)" aria-label="Back one second">
          ◀
        </button>
        <button
          data-testid="play-toggle"
          className={clock?.playing ? '' : 'primary'}
          disabled={!canPlay}
          onClick={() => controller.togglePlay()}
          title="Play / pause (Space)"
          aria-label={clock?.playing ? 'Pause' : 'Play'}
          style={{ minWidth: 56 }}
        >
          {clock?.playing ? '❚❚ Pause' : '▶ Play'}
        </button>
        <button disabled={!canSeek} onClick={() => controller.stepSeconds(1)} title="Forward 1 s (→)" aria-label="Forward one second">
          ▶
        </button>
        <button data-testid="next-metar" disabled={!canSeek} onClick={() => controller.jump('metar', 1)} title="Next METAR (M)" aria-label="Next METAR">
          M »
        </button>
        <button disabled={!canSeek} onClick={() => controller.jump('window', 1)} title="Next event window (W, Shift+W previous)" aria-label="Next window">
          W »
        </button>
        <button disabled={!canSeek} onClick={() => controller.jump('shock', 1)} title="Next shock (S)" aria-label="Next shock">
          S »
        </button>
      </div>
      <div className="group seg" role="group" aria-label="Speed">
        {PLAYBACK_SPEEDS.map((speed, i) => (
          <button
            key={speed}
            data-testid={`speed-${speed}`}
            aria-pressed={clock?.speed === speed}
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
      <Clock zone={zone} />
      <div className="group seg" role="group" aria-label="Time zone">
        {(Object.keys(ZONES) as ZoneChoice[]).map((z) => (
          <button key={z} data-testid={`zone-${z}`} aria-pressed={zone === z} onClick={() => ui.getState().setZone(z)}>
            {ZONES[z].label}
          </button>
        ))}
      </div>
      <div className="sep" />
      <button data-testid="export-snapshot" disabled={kind === 'none'} onClick={() => void controller.exportSnapshot()} title="Export the correlation-id snapshot at the cursor">
        Export
      </button>
      <button data-testid="open-snapshot" onClick={() => void controller.openSnapshotFile()} title="Reopen an exported snapshot">
        Open snapshot
      </button>
      <button data-testid="toggle-sql" aria-pressed={!hidden.sql} onClick={() => ui.getState().togglePanel('sql')} title="SQL console over the loaded day">
        SQL
      </button>
      <button data-testid="open-sweep" disabled={kind !== 'replay'} onClick={() => ui.getState().setSweepOpen(true)} title="Window sweep: what each trigger setting would have captured on this day (Tools ▸ Window Sweep…)">
        Sweep
      </button>
    </header>
  );
}

function Clock({ zone }: { zone: ZoneChoice }) {
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
