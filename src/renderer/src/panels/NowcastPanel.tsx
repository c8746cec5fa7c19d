/**
 * Nowcast: the distribution of today's max temperature by bucket, and how it evolved over the day
 * (in replay the whole day's nowcasts from the day's history once loaded, else those played).
 */
import { useMemo, useRef } from 'react';
import { useSize } from '../hooks/useSize';
import { useApp, useSession, useUi } from '../app-context';
import { formatAge, formatHourMinute, formatNumber } from '../format';
import { COLORS } from '../theme';
import { Panel } from './Panel';
import { QcBadge } from './QcBadge';

export function NowcastPanel() {
  const nowcast = useSession((s) => s.channels.nowcast);
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
      extra={nowcast && at !== null ? <span className="dim">updated {formatAge(at - Date.parse(nowcast.ts_ingest_utc))} ago</span> : null}
    >
      {!nowcast && !evolution ? (
        <div className="empty">No nowcast yet.</div>
      ) : (
        <div className="nowcast">
          {!nowcast ? (
            <div className="empty">No nowcast yet at the cursor.</div>
          ) : (
          <div>
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
            <div className="section-title">Peak time</div>
            <div className="pbars">
              {nowcast.t_peak_bins.map((b) => (
                <BucketBar key={b.bin} bucket={b.bin} p={b.p} top={false} />
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
    <div ref={host} style={{ position: 'relative', minHeight: 80, height: '100%' }}>
      {W > 0 && H > 0 && <EvolutionChart W={W} H={H} />}
    </div>
  );
}

function EvolutionChart({ W, H }: { W: number; H: number }) {
  const { history } = useApp();
  const revision = useSession((s) => s.historyRevision);
  const clock = useSession((s) => s.clock);
  const zone = useUi((s) => s.zone);
  const nowcastLength = history.nowcast.length;
  const rewrites = history.nowcast.rewrites;
  const metarCount = history.metars.length;
  const start = clock?.start_ms ?? (nowcastLength ? history.nowcast.t[0]! * 1000 : null);
  const end = clock?.end_ms ?? (nowcastLength ? history.nowcast.t[nowcastLength - 1]! * 1000 : null);

  const drawing = useMemo(() => {
    const series = history.nowcast;
    if (series.length === 0 || start === null || end === null || end <= start) return null;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of series.v) {
      lo = Math.min(lo, v.tmax_mean - v.sigma);
      hi = Math.max(hi, v.tmax_mean + v.sigma);
    }
    for (const m of history.metars.v) {
      if (m.judge_aligned_temp !== null) {
        lo = Math.min(lo, m.judge_aligned_temp);
        hi = Math.max(hi, m.judge_aligned_temp);
      }
    }
    lo = Math.floor(lo - 0.5);
    hi = Math.ceil(hi + 0.5);
    const x = (sec: number) => PAD.l + ((sec * 1000 - start) / (end - start)) * (W - PAD.l - PAD.r);
    const y = (t: number) => PAD.t + (1 - (t - lo) / (hi - lo)) * (H - PAD.t - PAD.b);
    // Downsample to ≤ 600 points for the path (one per pixel column).
    const step = Math.max(1, Math.floor(series.length / 600));
    const idx: number[] = [];
    for (let i = 0; i < series.length; i += step) idx.push(i);
    if (idx[idx.length - 1] !== series.length - 1) idx.push(series.length - 1);
    const mean = idx.map((i) => `${x(series.t[i]!).toFixed(1)},${y(series.v[i]!.tmax_mean).toFixed(1)}`).join(' ');
    const upper = idx.map((i) => `${x(series.t[i]!).toFixed(1)},${y(series.v[i]!.tmax_mean + series.v[i]!.sigma).toFixed(1)}`);
    const lower = idx.map((i) => `${x(series.t[i]!).toFixed(1)},${y(series.v[i]!.tmax_mean - series.v[i]!.sigma).toFixed(1)}`).reverse();
    const ticks: number[] = [];
    for (let t = lo; t <= hi; t += Math.max(1, Math.round((hi - lo) / 5))) ticks.push(t);
    const metars = history.metars.v
      .map((m, i) => ({ x: x(history.metars.t[i]!), y: m.judge_aligned_temp === null ? null : y(m.judge_aligned_temp), raw: m.raw }))
      .filter((m) => m.y !== null);
    return { mean, band: [...upper, ...lower].join(' '), ticks, y, metars, x };
  }, [history, nowcastLength, rewrites, metarCount, start, end, revision, W, H]);

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
      <text x={PAD.l} y={H - 3} fill={COLORS.dim} fontSize={9}>
        {formatHourMinute(start, zone)}
      </text>
      <text x={W - PAD.r} y={H - 3} fill={COLORS.dim} fontSize={9} textAnchor="end">
        {formatHourMinute(end, zone)}
      </text>
      <text x={W - PAD.r} y={PAD.t + 8} fill={COLORS.dim} fontSize={9} textAnchor="end">
        mean ± σ · ● METAR (judge °F)
      </text>
    </svg>
  );
}
