/**
 * Nowcast: the distribution of today's max temperature by bucket, the likely time of the peak (in
 * the chosen zone), and how the forecast evolved over the day (in replay the whole day's nowcasts
 * from the day's history once loaded, else those played), over the timeline's span.
 */
import { useMemo, useRef } from 'react';
import { getStation } from '../../../shared/stations';
import { localDate, localTimeUtc } from '../../../shared/time';
import { useSize } from '../hooks/useSize';
import { useApp, useSession, useUi } from '../app-context';
import { formatAge, formatHourMinute, formatNumber, ZONES, type ZoneChoice } from '../format';
import type { SessionState } from '../store/session-store';
import { timeTicks } from '../time-ticks';
import { clampView } from '../timeline-view';
import { timelineRange } from '../components/Timeline';
import { COLORS } from '../theme';
import { Panel } from './Panel';
import { QcBadge } from './QcBadge';
import { ingestMs } from '../../../shared/event-time';

/**
 * A peak-time bin ("14:00", the station's local time on the day) as a label in `zone`; bins that
 * are not a time of day are shown as they are.
 */
export function peakBinLabel(bin: string, date: string | null, stationTimeZone: string | null, zone: ZoneChoice): string {
  if (!date || !stationTimeZone || !/^\d{2}:\d{2}$/.test(bin)) return bin;
  return formatHourMinute(localTimeUtc(date, bin, stationTimeZone), zone);
}

function stationZone(s: Pick<SessionState, 'manifest' | 'clock'>): string | null {
  if (s.manifest) return s.manifest.time_zone;
  try {
    return s.clock?.station_id ? getStation(s.clock.station_id).timeZone : null;
  } catch {
    return null;
  }
}

export function NowcastPanel() {
  const nowcast = useSession((s) => s.channels.nowcast);
  const zone = useUi((s) => s.zone);
  const tz = useSession(stationZone);
  const replayDate = useSession((s) => s.manifest?.date ?? null);
  const date = replayDate ?? (nowcast && tz ? localDate(ingestMs(nowcast), tz) : null);
  const at = useSession((s) => s.clock?.current_ms ?? s.channels.at_ms);
  const top = nowcast ? nowcast.p_bucket.reduce((a, b) => (b.p > a.p ? b : a)) : null;
  const { history } = useApp();
  useSession((s) => s.historyRevision); // re-render as the history fills
  // the day's evolution is known (whole-day history) before the cursor reaches a nowcast
  const evolution = history.nowcast.length > 0;
  return (
    <Panel
      id="nowcast"
      title="Nowcast"
      className="area-nowcast"
      extra={nowcast && at !== null ? <span className="dim">updated {formatAge(at - ingestMs(nowcast))} ago</span> : null}
    >
      {!nowcast && !evolution ? (
        <div className="empty">No nowcast yet.</div>
      ) : (
        <div className="nowcast">
          {!nowcast ? (
            <div className="empty">No nowcast yet at the cursor.</div>
          ) : (
          <div className="nowcast-numbers">
            <div style={{ display: 'flex', gap: 14, alignItems: 'flex-end', marginBottom: 6 }}>
              <div>
                <div className="dim" style={{ fontSize: 10 }}>
                  T<sub>max</sub> mean ± σ
                </div>
                <div className="big" data-testid="nowcast-tmax">
                  {nowcast.tmax_mean.toFixed(1)}
                  <small> ± {nowcast.sigma.toFixed(1)}°F</small>
                </div>
              </div>
              <div>
                <div className="dim" style={{ fontSize: 10 }}>confidence</div>
                <div className="big" style={{ fontSize: 16 }}>
                  {(nowcast.confidence * 100).toFixed(0)}%
                </div>
              </div>
              <QcBadge state={nowcast.qc_state} />
            </div>
            <div className="pbars" data-testid="nowcast-buckets" role="list" aria-label="P(bucket)">
              {nowcast.p_bucket.map((b) => (
                <BucketBar key={b.bucket} bucket={b.bucket} p={b.p} top={b === top} />
              ))}
            </div>
            <div className="section-title" data-testid="peak-time-title">
              Peak time ({ZONES[zone].label})
            </div>
            <div className="pbars" data-testid="peak-time">
              {nowcast.t_peak_bins.map((b) => (
                <BucketBar key={b.bin} bucket={peakBinLabel(b.bin, date, tz, zone)} p={b.p} top={false} />
              ))}
            </div>
          </div>
          )}
          <Evolution />
        </div>
      )}
    </Panel>
  );
}

function BucketBar({ bucket, p, top }: { bucket: string; p: number; top: boolean }) {
  return (
    <>
      <span role="listitem" className={top ? 'strong' : ''}>
        {bucket}
      </span>
      <div className={`pbar${top ? ' top' : ''}`}>
        <div style={{ width: `${Math.min(100, p * 100)}%` }} />
      </div>
      <span className={top ? 'strong' : 'dim'}>{formatNumber(p * 100, 1)}%</span>
    </>
  );
}

const PAD = { l: 30, r: 6, t: 8, b: 16 };

/** tmax_mean with its ±σ band over the day, METARs' judge-aligned temps as dots, and the cursor. */
function Evolution() {
  const host = useRef<HTMLDivElement>(null);
  const { width: W, height: H } = useSize(host);
  return (
    <div ref={host} className="nowcast-chart">
      {W > 0 && H > 0 && <EvolutionChart W={W} H={H} />}
    </div>
  );
}

function EvolutionChart({ W, H }: { W: number; H: number }) {
  const { history } = useApp();
  useSession((s) => s.historyRevision); // re-render as the history fills
  const clock = useSession((s) => s.clock);
  const kind = useSession((s) => s.kind);
  const zone = useUi((s) => s.zone);
  const view = useUi((s) => s.view);
  const nowcastLength = history.nowcast.length;
  const rewrites = history.nowcast.rewrites;
  const metarCount = history.metars.length;
  const metarRewrites = history.metars.rewrites;
  const day = timelineRange(kind, clock);
  const shown = day ? (clampView(view, day) ?? { from: day[0], to: day[1] }) : null;
  const start = shown?.from ?? (nowcastLength ? history.nowcast.t[0]! * 1000 : null);
  const end = shown?.to ?? (nowcastLength ? history.nowcast.t[nowcastLength - 1]! * 1000 : null);

  const drawing = useMemo(() => {
    const series = history.nowcast;
    if (series.length === 0 || start === null || end === null || end <= start) return null;
    let lo = Infinity;
    let hi = -Infinity;
    const first = Math.max(0, series.indexAtOrBefore(Math.floor(start / 1000)));
    const last = series.indexAtOrBefore(Math.ceil(end / 1000));
    if (last < first) return null;
    for (let i = first; i <= last; i++) {
      const v = series.v[i]!;
      lo = Math.min(lo, v.tmax_mean - v.sigma);
      hi = Math.max(hi, v.tmax_mean + v.sigma);
    }
    for (let i = 0; i < history.metars.length; i++) {
      const m = history.metars.v[i]!;
      const ms = history.metars.t[i]! * 1000;
      if (m.judge_aligned_temp !== null && ms >= start && ms <= end) {
        lo = Math.min(lo, m.judge_aligned_temp);
        hi = Math.max(hi, m.judge_aligned_temp);
      }
    }
    lo = Math.floor(lo - 0.5);
    hi = Math.ceil(hi + 0.5);
    const x = (sec: number) => PAD.l + ((sec * 1000 - start) / (end - start)) * (W - PAD.l - PAD.r);
    const y = (t: number) => PAD.t + (1 - (t - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
    // Downsample to ≤ 600 points for the path (one per pixel column).
    const step = Math.max(1, Math.floor((last - first + 1) / 600));
    const idx: number[] = [];
    for (let i = first; i <= last; i += step) idx.push(i);
    if (idx[idx.length - 1] !== last) idx.push(last);
    const mean = idx.map((i) => `${x(series.t[i]!).toFixed(1)},${y(series.v[i]!.tmax_mean).toFixed(1)}`).join(' ');
    const upper = idx.map((i) => `${x(series.t[i]!).toFixed(1)},${y(series.v[i]!.tmax_mean + series.v[i]!.sigma).toFixed(1)}`);
    const lower = idx.map((i) => `${x(series.t[i]!).toFixed(1)},${y(series.v[i]!.tmax_mean - series.v[i]!.sigma).toFixed(1)}`).reverse();
    const ticks: number[] = [];
    for (let t = lo; t <= hi; t += Math.max(1, Math.round((hi - lo) / 5))) ticks.push(t);
    const metars = history.metars.v
      .map((m, i) => ({ x: x(history.metars.t[i]!), y: m.judge_aligned_temp === null ? null : y(m.judge_aligned_temp), raw: m.raw }))
      .filter((m) => m.y !== null && m.x >= PAD.l && m.x <= W - PAD.r);
    return { mean, band: [...upper, ...lower].join(' '), ticks, y, metars, x };
  }, [history, nowcastLength, rewrites, metarCount, metarRewrites, start, end, W, H]);
  const timeLabels = useMemo(() => (start === null || end === null ? [] : timeTicks(start, end, W - PAD.l - PAD.r, zone, 64)), [start, end, W, zone]);

  if (!drawing || start === null || end === null) return <div className="empty">No evolution yet.</div>;
  const cursor = clock?.current_ms ?? null;
  const cx = cursor === null ? null : PAD.l + ((cursor - start) / (end - start)) * (W - PAD.l - PAD.r);
  return (
    <svg className="spark" width={W} height={H} style={{ position: 'absolute', inset: 0 }} data-testid="nowcast-evolution" data-points={nowcastLength} data-first={nowcastLength ? history.nowcast.t[0]! * 1000 : ''} aria-label="Nowcast evolution over the day">
      {drawing.ticks.map((t) => (
        <g key={t}>
          <line x1={PAD.l} x2={W - PAD.r} y1={drawing.y(t)} y2={drawing.y(t)} stroke={COLORS.grid} />
          <text x={2} y={drawing.y(t) + 3} fill={COLORS.dim} fontSize={9}>
            {t}°
          </text>
        </g>
      ))}
      <polygon points={drawing.band} fill="#1f6feb" opacity={0.22} />
      <polyline points={drawing.mean} fill="none" stroke="#58a6ff" strokeWidth={1.5} />
      {drawing.metars.map((m, i) => (
        <circle key={i} cx={m.x} cy={m.y!} r={2.2} fill={COLORS.cursor}>
          <title>{m.raw}</title>
        </circle>
      ))}
      {cx !== null && <line x1={cx} x2={cx} y1={PAD.t} y2={H - PAD.b} stroke={COLORS.cursor} strokeDasharray="3 3" />}
      {timeLabels.map((t) => (
        <text key={t.ms} x={PAD.l + ((t.ms - start) / (end - start)) * (W - PAD.l - PAD.r)} y={H - 3} fill={COLORS.dim} fontSize={9} textAnchor="middle" data-testid="nowcast-tick" data-ms={t.ms}>
          {t.label}
        </text>
      ))}
      <text x={W - PAD.r} y={PAD.t + 8} fill={COLORS.dim} fontSize={9} textAnchor="end">
        mean ± σ · ● METAR (judge °F) · {ZONES[zone].label}
      </text>
    </svg>
  );
}
