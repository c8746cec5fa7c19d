/**
 * Market vs nowcast: what the market believes about each bucket (its YES mid, normalized across
 * the buckets; the raw sum is shown as is) against the model's `p_bucket`, and the edge (model −
 * market) at the cursor — as a chart over the day and as a ladder. The chart stacks the market's
 * probabilities bucket by bucket (lowest bucket at the bottom), with the nowcast's cumulative
 * probabilities as dashed lines over it: where a dashed line runs above its band's top, the model
 * gives the buckets up to there more than the market does. Hover the chart for the numbers at
 * that time. Buckets the max so far has ruled out are dimmed; the max's bucket and the resolved
 * one are marked.
 */
import { useMemo, useRef, useState } from 'react';
import { useApp, useSession, useUi } from '../app-context';
import { formatNumber, formatPrice, formatTime, ZONES } from '../format';
import { useSize } from '../hooks/useSize';
import { marketInfo } from '../market-info';
import { ladderAt, probabilitySeries, type BucketToken, type LadderRow } from '../probability';
import { ruledOut } from '../settlement';
import { timeTicks } from '../time-ticks';
import { clampView } from '../timeline-view';
import { timelineRange } from '../components/Timeline';
import { COLORS } from '../theme';
import { Panel } from './Panel';
import { useBucketTokens } from './tokens';
import { useSettlement } from './useSettlement';

/** Bucket colours from cold (lowest bucket) to warm. */
export function bucketColor(index: number, count: number): string {
  const f = count <= 1 ? 0.5 : index / (count - 1);
  const hue = 220 - f * 200;
  return `hsl(${hue.toFixed(0)} 62% 52%)`;
}

export function ProbabilityPanel() {
  const tokens = useBucketTokens();
  const books = useSession((s) => s.channels.books);
  const nowcast = useSession((s) => s.channels.nowcast);
  const ladder = useMemo(() => ladderAt(tokens, books, nowcast), [tokens, books, nowcast]);
  return (
    <Panel
      id="probability"
      title="Market vs nowcast"
      className="area-probability"
      flush
      extra={
        <span className="legend">
          <span className="dim" title="The chart stacks the market’s probability of each bucket (lowest at the bottom); the dashed lines are the nowcast’s cumulative probabilities">
            bands: market · dashed: model
          </span>
          <span className="dim" data-testid="probability-raw-sum" data-value={ladder.rawSum ?? ''} title="Sum of the YES mids of every bucket: the market’s probabilities are each mid divided by it">
            Σ mid {formatPrice(ladder.rawSum, 3)}
            {ladder.missing > 0 ? ` · ${ladder.missing} without a mid` : ''}
          </span>
        </span>
      }
    >
      {tokens.length === 0 ? (
        <div className="empty">No market yet.</div>
      ) : (
        <div className="probability">
          <ProbabilityChart tokens={tokens} />
          <LadderTable rows={ladder.rows} />
        </div>
      )}
    </Panel>
  );
}

function LadderTable({ rows }: { rows: LadderRow[] }) {
  const { ui } = useApp();
  const { max, bucket: maxBucket } = useSettlement();
  const manifest = useSession((s) => s.manifest);
  const winner = marketInfo(manifest).winner;
  const selected = useUi((s) => s.selectedToken);
  return (
    <div className="probability-ladder">
      <table className="grid" data-testid="probability-ladder">
        <thead>
          <tr>
            <th>Bucket</th>
            <th className="num" title="YES mid">mid</th>
            <th className="num" title="mid / Σ mid">market</th>
            <th className="num" title="nowcast p_bucket">model</th>
            <th className="num" title="model − market, percentage points">edge</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r, i) => {
            const out = ruledOut(r.bucket, max?.temp ?? null);
            return (
              <tr
                key={r.token_id}
                className={`clickable${r.token_id === selected ? ' selected' : ''}${out ? ' ruled-out' : ''}`}
                onClick={() => ui.getState().selectToken(r.token_id)}
                data-testid="probability-row"
                data-token={r.token_id}
                data-bucket={r.bucket}
                data-mid={r.mid ?? ''}
                data-market={r.market ?? ''}
                data-nowcast={r.nowcast ?? ''}
                data-edge={r.edge ?? ''}
                title={out ? 'ruled out: the max so far is already above this bucket' : undefined}
              >
                <td className="mono">
                  <i className="swatch" style={{ background: bucketColor(i, rows.length) }} />
                  {r.bucket}
                  {r.bucket === maxBucket && <span className="badge info" title="the max so far is in this bucket"> max</span>}
                  {r.bucket === winner && <span className="badge ok" title="the market resolved to this bucket"> ✓</span>}
                </td>
                <td className="num">{formatPrice(r.mid, 3)}</td>
                <td className="num">{pct(r.market)}</td>
                <td className="num">{pct(r.nowcast)}</td>
                <td className={`num edge ${r.edge === null ? '' : r.edge > 0 ? 'bid' : r.edge < 0 ? 'ask' : ''}`}>
                  {r.edge === null ? '—' : `${r.edge > 0 ? '+' : ''}${formatNumber(r.edge * 100, 1)}`}
                  <EdgeBar edge={r.edge} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

const pct = (p: number | null) => (p === null ? '—' : `${(p * 100).toFixed(1)}%`);

function EdgeBar({ edge }: { edge: number | null }) {
  if (edge === null) return null;
  const w = Math.min(50, Math.abs(edge) * 100);
  return <span className="edge-bar" style={{ left: edge >= 0 ? '50%' : `${50 - w}%`, width: `${w}%`, background: edge >= 0 ? COLORS.bid : COLORS.ask }} />;
}

const PAD = { l: 30, r: 8, t: 6, b: 16 };

function ProbabilityChart({ tokens }: { tokens: BucketToken[] }) {
  const host = useRef<HTMLDivElement>(null);
  const { width: W, height: H } = useSize(host);
  return (
    <div ref={host} className="probability-chart">
      {W > 40 && H > 40 && <ChartSvg tokens={tokens} W={W} H={H} />}
    </div>
  );
}

function ChartSvg({ tokens, W, H }: { tokens: BucketToken[]; W: number; H: number }) {
  const { history } = useApp();
  const kind = useSession((s) => s.kind);
  const clock = useSession((s) => s.clock);
  const revision = useSession((s) => s.historyRevision);
  const zone = useUi((s) => s.zone);
  const view = useUi((s) => s.view);
  const [hover, setHover] = useState<number | null>(null);
  const day = timelineRange(kind, clock);
  const shown = day ? (clampView(view, day) ?? { from: day[0], to: day[1] }) : null;
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  // the whole day's series change only when a day loads; until then, with every frame played
  const dataKey = history.day ?? revision;

  const drawing = useMemo(() => {
    if (!shown) return null;
    const prices = history.day?.price ?? history.price;
    const series = probabilitySeries(tokens, prices, history.nowcast, Math.floor(shown.from / 1000), Math.ceil(shown.to / 1000), Math.max(50, Math.floor(plotW)));
    if (series.t.length === 0 && series.nowcastT.length === 0) return { series, bands: [], lines: [] };
    const x = (sec: number) => PAD.l + ((sec * 1000 - shown.from) / (shown.to - shown.from)) * plotW;
    const y = (p: number) => PAD.t + (1 - p) * plotH;
    // stacked market bands
    const cum = new Float64Array(series.t.length);
    const bands = tokens.map((_, i) => {
      const lower = Array.from(cum);
      for (let k = 0; k < series.t.length; k++) {
        const p = series.market[i]![k]!;
        if (!Number.isNaN(p)) cum[k]! += p;
      }
      const top = series.t.map((t, k) => `${x(t).toFixed(1)},${y(cum[k]!).toFixed(1)}`);
      const bottom = series.t.map((t, k) => `${x(t).toFixed(1)},${y(lower[k]!).toFixed(1)}`).reverse();
      return [...top, ...bottom].join(' ');
    });
    // nowcast cumulative lines (between buckets: the last one is 1)
    const ncum = new Float64Array(series.nowcastT.length);
    const lines = tokens.slice(0, -1).map((_, i) => {
      for (let k = 0; k < series.nowcastT.length; k++) {
        const p = series.nowcast[i]![k]!;
        if (!Number.isNaN(p)) ncum[k]! += p;
      }
      return series.nowcastT.map((t, k) => `${x(t).toFixed(1)},${y(ncum[k]!).toFixed(1)}`).join(' ');
    });
    return { series, bands, lines };
  }, [tokens, dataKey, shown?.from, shown?.to, plotW, plotH, history]);

  if (!shown || !drawing) return <div className="empty">No day open.</div>;
  const x = (ms: number) => PAD.l + ((ms - shown.from) / (shown.to - shown.from)) * plotW;
  const ticks = timeTicks(shown.from, shown.to, plotW, zone, 70);
  const cursor = clock?.current_ms ?? null;
  const hoverMs = hover === null ? null : shown.from + ((hover - PAD.l) / plotW) * (shown.to - shown.from);
  return (
    <>
      <svg
        width={W}
        height={H}
        className="spark"
        data-testid="probability-chart"
        data-points={drawing.series.t.length}
        data-nowcasts={drawing.series.nowcastT.length}
        data-from={shown.from}
        data-to={shown.to}
        aria-label="Market-implied probability per bucket (stacked) against the nowcast’s (dashed)"
        onPointerMove={(e) => {
          const px = e.clientX - e.currentTarget.getBoundingClientRect().left;
          setHover(px >= PAD.l && px <= W - PAD.r ? px : null);
        }}
        onPointerLeave={() => setHover(null)}
      >
        {[0, 0.25, 0.5, 0.75, 1].map((p) => (
          <g key={p}>
            <line x1={PAD.l} x2={W - PAD.r} y1={PAD.t + (1 - p) * plotH} y2={PAD.t + (1 - p) * plotH} stroke={COLORS.grid} />
            <text x={2} y={PAD.t + (1 - p) * plotH + 3} fill={COLORS.dim} fontSize={9}>
              {(p * 100).toFixed(0)}%
            </text>
          </g>
        ))}
        {drawing.bands.map((points, i) => (
          <polygon key={tokens[i]!.token_id} points={points} fill={bucketColor(i, tokens.length)} opacity={0.55} />
        ))}
        {drawing.lines.map((points, i) => (
          <polyline key={i} points={points} fill="none" stroke="#f0f6fc" strokeWidth={1} strokeDasharray="4 3" opacity={0.85} />
        ))}
        {ticks.map((t) => (
          <text key={t.ms} x={x(t.ms)} y={H - 3} fill={COLORS.dim} fontSize={9} textAnchor="middle" data-testid="probability-tick" data-ms={t.ms}>
            {t.label}
          </text>
        ))}
        {cursor !== null && cursor >= shown.from && cursor <= shown.to && <line x1={x(cursor)} x2={x(cursor)} y1={PAD.t} y2={H - PAD.b} stroke={COLORS.cursor} strokeDasharray="3 3" />}
        {hover !== null && <line x1={hover} x2={hover} y1={PAD.t} y2={H - PAD.b} stroke={COLORS.text} opacity={0.5} />}
      </svg>
      {hoverMs !== null && <Readout atMs={hoverMs} tokens={tokens} series={drawing.series} left={hover! + 12 > W - 220 ? hover! - 222 : hover! + 12} zone={zone} />}
    </>
  );
}

/** The numbers under the pointer: each bucket's market and model probability at that time. */
function Readout({ atMs, tokens, series, left, zone }: { atMs: number; tokens: BucketToken[]; series: ReturnType<typeof probabilitySeries>; left: number; zone: keyof typeof ZONES }) {
  const sec = atMs / 1000;
  const at = (times: number[]) => {
    let k = -1;
    for (let i = 0; i < times.length && times[i]! <= sec; i++) k = i;
    return k;
  };
  const m = at(series.t);
  const n = at(series.nowcastT);
  return (
    <div className="chart-readout" style={{ left }} data-testid="probability-readout">
      <div className="strong">
        {formatTime(atMs, zone)} {ZONES[zone].label}
        {m >= 0 && !Number.isNaN(series.rawSum[m]!) ? ` · Σ mid ${series.rawSum[m]!.toFixed(3)}` : ''}
      </div>
      <div className="dim">{'bucket'.padEnd(8)} market · model</div>
      {tokens.map((t, i) => {
        const market = m >= 0 ? series.market[i]![m]! : NaN;
        const model = n >= 0 ? series.nowcast[i]![n]! : NaN;
        return (
          <div key={t.token_id} className="mono">
            <i className="swatch" style={{ background: bucketColor(i, tokens.length) }} />
            {t.bucket.padEnd(8)} {Number.isNaN(market) ? '  —  ' : `${(market * 100).toFixed(1).padStart(5)}%`} · {Number.isNaN(model) ? '  —  ' : `${(model * 100).toFixed(1).padStart(5)}%`}
          </div>
        );
      })}
    </div>
  );
}
