/**
 * Tools ▸ Window sweep…: what each window-trigger setting would have captured on the open day
 * (`helios sweep` run by the app on a worker thread). The table is sorted by captured share; the
 * scatter plots covered time against captured moves; a setting can be copied as recording
 * settings (the JSON `helios record --settings FILE` takes).
 */
import { useEffect, useState } from 'react';
import type { SweepJobStatus, SweepReportRow } from '../../../shared/api';
import { useApp, useSession, useUi } from '../app-context';

const POLL_MS = 250;
const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const hours = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(2)} h` : `${(s / 60).toFixed(1)} min`);
const megabytes = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

export function SweepDialog() {
  const { api, ui } = useApp();
  const open = useUi((s) => s.sweepOpen);
  const stationId = useSession((s) => (s.clock?.mode === 'replay' ? s.clock.station_id : null));
  const date = useSession((s) => (s.clock?.mode === 'replay' ? s.clock.date : null));
  const day = stationId && date ? { station_id: stationId, date } : null;
  const [status, setStatus] = useState<SweepJobStatus | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!open || !day) return;
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    setStatus(null);
    setError(null);
    const poll = (job: string) =>
      api.sweepStatus({ job }).then(
        (s) => {
          if (cancelled) return;
          setStatus(s);
          if (s.state === 'running') timer = setTimeout(() => void poll(job), POLL_MS);
        },
        (e: Error) => !cancelled && setError(e.message),
      );
    api.startSweep(day).then(
      ({ job }) => !cancelled && void poll(job),
      (e: Error) => !cancelled && setError(e.message),
    );
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [open, api, day?.station_id, day?.date]);

  if (!open) return null;
  const close = () => ui.getState().setSweepOpen(false);
  const rows = status?.report ? [...status.report.rows].sort((a, b) => b.moves_share - a.moves_share || a.covered_s - b.covered_s) : null;
  const copy = (row: SweepReportRow) => {
    const text = JSON.stringify(row.settings, null, 2);
    navigator.clipboard.writeText(text).then(
      () => ui.getState().notify('Setting copied: paste it into the recording settings file (helios record --settings FILE)'),
      () => ui.getState().notify(`Could not copy to the clipboard; the setting is ${JSON.stringify(row.settings)}`, 'error'),
    );
  };
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && close()}>
      <div className="dialog sweep" role="dialog" aria-label="Window sweep" data-testid="sweep-dialog">
        <header>
          <h2>Window sweep</h2>
          <span className="dim mono" style={{ fontSize: 11 }}>
            {day ? `${day.station_id} ${day.date}` : ''}
          </span>
          <div className="spacer" />
          <button onClick={close}>Close</button>
        </header>
        <div className="body">
          {!day && <div className="empty">Open a recorded day first: the sweep replays its snapshots through the recorder’s window triggers.</div>}
          {error && <div className="alert bad">{error}</div>}
          {day && !error && status?.state !== 'done' && (
            <div data-testid="sweep-progress" aria-live="polite">
              <div>{status?.state === 'failed' ? `The sweep failed: ${status.error}` : 'Replaying the day’s snapshots through every setting…'}</div>
              {status?.state !== 'failed' && (
                <div className="progress" role="progressbar" aria-valuenow={Math.round(100 * (status?.fraction ?? 0))}>
                  <div style={{ width: `${Math.round(100 * (status?.fraction ?? 0))}%` }} />
                </div>
              )}
            </div>
          )}
          {rows && status?.report && (
            <>
              <Summary rows={status.report.rows} elapsedMs={status.report.elapsed_ms} />
              <Scatter rows={status.report.rows} />
              <table className="grid" data-testid="sweep-table">
                <thead>
                  <tr>
                    <th />
                    {Object.keys(rows[0]?.params ?? {}).map((p) => (
                      <th key={p} className="num">
                        {p}
                      </th>
                    ))}
                    <th className="num">windows</th>
                    <th className="num">covered</th>
                    <th className="num">moves captured</th>
                    <th className="num">share</th>
                    <th className="num">deltas kept</th>
                    <th className="num">finds recorded</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {rows.map((r) => (
                    <tr key={JSON.stringify(r.params)} data-testid="sweep-row" className={r.current ? 'current' : undefined}>
                      <td className="strong">{[r.current ? 'current' : '', r.best ? 'best' : ''].filter(Boolean).join(' · ')}</td>
                      {Object.values(r.params).map((v, i) => (
                        <td key={i} className="num mono">
                          {v}
                        </td>
                      ))}
                      <td className="num">{r.windows}</td>
                      <td className="num">
                        {hours(r.covered_s)} ({pct(r.covered_share)})
                      </td>
                      <td className="num">
                        {r.moves_in_window}/{r.moves}
                      </td>
                      <td className="num strong">{pct(r.moves_share)}</td>
                      <td className="num">{megabytes(r.est_delta_bytes)}</td>
                      <td className="num">
                        {r.found_recorded}/{r.recorded_windows}
                      </td>
                      <td>
                        <button onClick={() => copy(r)} title="Copy as recording settings (helios record --settings FILE)">
                          Copy
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      </div>
    </div>
  );
}

function Summary({ rows, elapsedMs }: { rows: readonly SweepReportRow[]; elapsedMs: number }) {
  const current = rows.find((r) => r.current);
  const best = rows.find((r) => r.best);
  const describe = (r: SweepReportRow) => Object.entries(r.params).map(([k, v]) => `${k} ${v}`).join(', ');
  return (
    <div className="dim" style={{ marginBottom: 6 }} data-testid="sweep-summary">
      {rows.length} settings in {(elapsedMs / 1000).toFixed(1)} s; {rows[0]?.moves ?? 0} moves of ≥ 3 ticks.
      {current && (
        <>
          {' '}
          Current ({describe(current)}): {pct(current.moves_share)} of the moves in {hours(current.covered_s)}, finds {current.found_recorded} of the {current.recorded_windows} recorded windows.
        </>
      )}
      {best && current && best !== current && (
        <>
          {' '}
          Most moves for no more covered time: {describe(best)} ({pct(best.moves_share)} in {hours(best.covered_s)}).
        </>
      )}
    </div>
  );
}

/** Covered time (x) against captured moves (y), one dot per setting; the current one ringed. */
function Scatter({ rows }: { rows: readonly SweepReportRow[] }) {
  const W = 420;
  const H = 180;
  const PAD = 34;
  const maxX = Math.max(1, ...rows.map((r) => r.covered_s));
  const maxY = Math.max(1, ...rows.map((r) => r.moves_in_window));
  const x = (v: number) => PAD + (v / maxX) * (W - PAD - 8);
  const y = (v: number) => H - PAD + 8 - (v / maxY) * (H - PAD - 8);
  return (
    <svg width={W} height={H} role="img" aria-label="Covered time against captured moves" data-testid="sweep-scatter" style={{ display: 'block', marginBottom: 8 }}>
      <line x1={PAD} y1={H - PAD + 8} x2={W - 8} y2={H - PAD + 8} stroke="currentColor" opacity={0.4} />
      <line x1={PAD} y1={8} x2={PAD} y2={H - PAD + 8} stroke="currentColor" opacity={0.4} />
      <text x={W - 8} y={H - 6} textAnchor="end" fontSize={10} fill="currentColor">
        covered {hours(maxX)} →
      </text>
      <text x={4} y={14} fontSize={10} fill="currentColor">
        {maxY}
      </text>
      <text x={4} y={H - PAD + 8} fontSize={10} fill="currentColor">
        0
      </text>
      {rows.map((r) => (
        <circle
          key={JSON.stringify(r.params)}
          cx={x(r.covered_s)}
          cy={y(r.moves_in_window)}
          r={r.current ? 5 : 3}
          fill={r.best ? 'var(--good, #3fb950)' : 'var(--accent, #58a6ff)'}
          stroke={r.current ? 'currentColor' : 'none'}
          strokeWidth={r.current ? 2 : 0}
        >
          <title>
            {Object.entries(r.params).map(([k, v]) => `${k} ${v}`).join(', ')}: {r.moves_in_window} moves in {hours(r.covered_s)}
          </title>
        </circle>
      ))}
    </svg>
  );
}
