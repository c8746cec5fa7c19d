/**
 * Price: the selected token's mid and microprice, further buckets' mids overlaid (pick them in the
 * legend), its trades and the METARs as markers, the day's max-so-far temperature as a step line
 * on the left scale (°F), and the cursor. Drawn with lightweight-charts from the history: in
 * replay the whole day (one point per `step_s` bucket, from DuckDB-WASM) once it has loaded, else
 * — live, or in the first seconds of a replay — the points played so far (one per second), fed
 * incrementally: appends become `update()` calls, only a rewrite redraws all. Where the book was
 * not trustworthy (book_ok false) the line is dimmed. The price axis prints the market's tick
 * precision; the time axis follows the chosen zone; "whole day" frames the day; hovering reads out
 * every line at the pointer.
 */
import { memo, useEffect, useRef, useState } from 'react';
import {
  createChart,
  createSeriesMarkers,
  LineSeries,
  LineType,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type Logical,
  type MouseEventParams,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { useApp, useSession, useUi } from '../app-context';
import { formatHourMinute, formatPrice, formatTime, ZONES, type ZoneChoice } from '../format';
import { maxSoFarSteps } from '../settlement';
import type { PricePoint, SortedSeries, TradePoint } from '../store/history';
import { COLORS } from '../theme';
import { priceFormatFor, tickSizeOf } from '../tick-size';
import { timelineRange } from '../components/Timeline';
import { Panel } from './Panel';
import { bucketColor } from './ProbabilityPanel';
import { useBucketTokens, useSelectedToken, useTokenName } from './tokens';
import { dayStartOf } from './useSettlement';

/** Time shown when a token is first drawn (15 minutes), and the fewest bars kept on a zoom. */
const DEFAULT_SPAN_S = 15 * 60;
const MIN_BARS = 30;
/** Line colour where book_ok was false. */
const UNTRUSTED = '#6e7681';

interface Drawn {
  token: string | null;
  series: SortedSeries<PricePoint> | null;
  length: number;
  rewrites: number;
  trades: number;
  tradeRewrites: number;
  metars: number;
}

const NOTHING_DRAWN: Drawn = { token: null, series: null, length: 0, rewrites: -1, trades: -1, tradeRewrites: -1, metars: -1 };

interface ChartParts {
  api: IChartApi;
  mid: ISeriesApi<'Line'>;
  micro: ISeriesApi<'Line'>;
  maxSoFar: ISeriesApi<'Line'>;
  markers: ISeriesMarkersPluginApi<Time>;
  overlays: Map<string, ISeriesApi<'Line'>>;
}

interface Readout {
  x: number;
  time: number;
  lines: Array<{ label: string; color: string; value: string }>;
}

export function PricePanel() {
  const { history } = useApp();
  const token = useSelectedToken();
  const name = useTokenName(token);
  const revision = useSession((s) => s.historyRevision);
  const current = useSession((s) => s.clock?.current_ms ?? null);
  const metrics = useSession((s) => (token ? s.channels.books[token]?.metrics : undefined));
  const tick = useSession((s) => (token && s.channels.books[token] ? tickSizeOf([...s.channels.books[token]!.bids, ...s.channels.books[token]!.asks]) : null));
  const kind = useSession((s) => s.kind);
  const clock = useSession((s) => s.clock);
  const playing = clock?.playing ?? false;
  const dayStart = useSession(dayStartOf);
  const historyLoad = useUi((s) => s.historyLoad);
  const zone = useUi((s) => s.zone);
  const overlayIds = useUi((s) => s.overlayTokens);
  const tokens = useBucketTokens();
  const host = useRef<HTMLDivElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const chart = useRef<ChartParts | null>(null);
  const drawn = useRef<Drawn>(NOTHING_DRAWN);
  const cursorEl = useRef<HTMLDivElement>(null);
  const trailEl = useRef<HTMLDivElement>(null);
  /** Where the cursor is (ms), for re-placing it when the chart scrolls or zooms. */
  const cursorMs = useRef<number | null>(null);
  const [follow, setFollow] = useState(true);
  const [readout, setReadout] = useState<Readout | null>(null);
  const followedAt = useRef<number | null>(null);
  const resetZoom = useRef(true);
  const zoneRef = useRef<ZoneChoice>(zone);
  zoneRef.current = zone;
  const labels = useRef(new Map<ISeriesApi<'Line'>, { label: string; color: string }>());

  useEffect(() => {
    const el = host.current!;
    const api = createChart(el, {
      autoSize: true,
      layout: { background: { color: COLORS.panel }, textColor: COLORS.dim, fontSize: 10, attributionLogo: false },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      rightPriceScale: { borderColor: COLORS.border },
      leftPriceScale: { borderColor: COLORS.border, visible: true },
      timeScale: { borderColor: COLORS.border, timeVisible: true, secondsVisible: true },
      crosshair: { mode: 0 },
    });
    const mid = api.addSeries(LineSeries, { color: COLORS.mid, lineWidth: 1, title: 'mid', lastValueVisible: true, priceLineVisible: false });
    const micro = api.addSeries(LineSeries, { color: COLORS.micro, lineWidth: 1, lineStyle: 2, title: 'micro', lastValueVisible: false, priceLineVisible: false });
    const maxSoFar = api.addSeries(LineSeries, {
      color: COLORS.cursor,
      lineWidth: 2,
      lineType: LineType.WithSteps,
      priceScaleId: 'left',
      title: 'max so far °F',
      lastValueVisible: true,
      priceLineVisible: false,
      crosshairMarkerVisible: false,
      priceFormat: { type: 'custom', formatter: (t: number) => `${Math.round(t)}°F`, minMove: 1 },
    });
    const markers = createSeriesMarkers(mid, []);
    chart.current = { api, mid, micro, maxSoFar, markers, overlays: new Map() };
    labels.current.set(mid, { label: 'mid', color: COLORS.mid });
    labels.current.set(micro, { label: 'micro', color: COLORS.micro });
    labels.current.set(maxSoFar, { label: 'max so far', color: COLORS.cursor });
    // The cursor is placed imperatively, not through React state: at 600× the chart scrolls every
    // frame, and a state update per scroll chained renders past React's nested-update limit.
    const onRange = () => {
      placeCursor();
      const range = api.timeScale().getVisibleRange();
      if (wrap.current) {
        wrap.current.dataset.visibleFrom = range ? String((range.from as number) * 1000) : '';
        wrap.current.dataset.visibleTo = range ? String((range.to as number) * 1000) : '';
      }
    };
    const onCrosshair = (p: MouseEventParams<Time>) => {
      if (!p.point || p.time === undefined) return setReadout(null);
      const lines: Readout['lines'] = [];
      for (const [series, meta] of labels.current) {
        const value = (p.seriesData.get(series) as LineData<Time> | undefined)?.value ?? (series === maxSoFar ? trailValueAt(p.time as number) : undefined);
        if (value === undefined) continue;
        lines.push({ ...meta, value: series === maxSoFar ? `${value}°F` : series.priceFormatter().format(value) });
      }
      setReadout({ x: p.point.x, time: (p.time as number) * 1000, lines });
    };
    api.timeScale().subscribeVisibleTimeRangeChange(onRange);
    api.subscribeCrosshairMove(onCrosshair);
    return () => {
      api.timeScale().unsubscribeVisibleTimeRangeChange(onRange);
      api.unsubscribeCrosshairMove(onCrosshair);
      api.remove();
      chart.current = null;
      labels.current.clear();
      drawn.current = NOTHING_DRAWN;
    };
  }, []);

  // Every time label follows the zone at once: new formatter functions make the chart redraw them.
  useEffect(() => {
    chart.current?.api.applyOptions({
      timeScale: {
        // TickMarkType 4 = a tick between whole minutes: show the seconds.
        tickMarkFormatter: (t: Time, type: number) => (type === 4 ? formatTime : formatHourMinute)((t as number) * 1000, zone),
      },
      localization: { timeFormatter: (t: Time) => `${formatTime((t as number) * 1000, zone)} ${ZONES[zone].label}` },
    });
    if (wrap.current) wrap.current.dataset.zone = zone;
  }, [zone]);

  // Axis precision from the market's tick size.
  const format = priceFormatFor(tick);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const priceFormat = { type: 'price' as const, ...format };
    c.mid.applyOptions({ priceFormat });
    c.micro.applyOptions({ priceFormat });
    for (const s of c.overlays.values()) s.applyOptions({ priceFormat });
    if (wrap.current) wrap.current.dataset.precision = String(format.precision);
  }, [format.precision, format.minMove]);

  // The whole day once loaded (replay), else the played seconds.
  const daySeries = token ? history.day?.price.get(token) : undefined;
  const series = token ? (daySeries ?? history.price.get(token)) : undefined;
  const step = daySeries ? history.day!.step_s : 1;
  const stepRef = useRef(step);
  stepRef.current = step;

  // Series data: incremental when only appended.
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const d = drawn.current;
    if (!series) {
      if (d.length !== 0 || d.token !== token) {
        c.mid.setData([]);
        c.micro.setData([]);
      }
      drawn.current = { ...d, token, series: null, length: 0, rewrites: -1 };
    } else if (d.token !== token || d.series !== series || d.rewrites !== series.rewrites || series.length < d.length) {
      c.mid.setData(toLine(series, 'mid', 0, step));
      c.micro.setData(toLine(series, 'microprice', 0, step));
      if (d.token !== token || d.length === 0 || d.series !== series) resetZoom.current = true;
      drawn.current = { ...d, token, series, length: series.length, rewrites: series.rewrites };
    } else if (series.length > d.length) {
      for (const p of toLine(series, 'mid', d.length, step)) c.mid.update(p);
      for (const p of toLine(series, 'microprice', d.length, step)) c.micro.update(p);
      drawn.current = { ...d, length: series.length };
    }
    // Markers: trades of the token and METARs, only when they changed.
    const trades = token ? history.trades.get(token) : undefined;
    const tradeCount = trades?.length ?? 0;
    const tradeRewrites = trades?.rewrites ?? 0;
    const now = drawn.current;
    if (d.token !== token || d.series !== series || tradeCount !== d.trades || tradeRewrites !== d.tradeRewrites || history.metars.length !== d.metars) {
      c.markers.setMarkers(buildMarkers(trades, history.metars, step));
      drawn.current = { ...now, trades: tradeCount, tradeRewrites, metars: history.metars.length };
    }
  }, [token, name, revision, history, series, step]);

  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    c.mid.applyOptions({ title: name });
    labels.current.set(c.mid, { label: `${name} mid`, color: COLORS.mid });
  }, [name]);

  // Overlaid buckets: one mid line each (redrawn when its data changed: any redraw repaints the chart).
  const overlayKey = overlayIds.join('|');
  const overlaysDrawn = useRef(new Map<string, { data: SortedSeries<PricePoint> | undefined; length: number; rewrites: number; step: number }>());
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const wanted = overlayIds.filter((id) => id !== token);
    for (const [id, s] of c.overlays) {
      if (wanted.includes(id)) continue;
      c.api.removeSeries(s);
      labels.current.delete(s);
      c.overlays.delete(id);
      overlaysDrawn.current.delete(id);
    }
    for (const id of wanted) {
      const index = tokens.findIndex((t) => t.token_id === id);
      const label = tokens[index]?.bucket ?? id;
      const color = bucketColor(Math.max(0, index), tokens.length);
      let s = c.overlays.get(id);
      if (!s) {
        s = c.api.addSeries(LineSeries, { color, lineWidth: 1, title: label, lastValueVisible: true, priceLineVisible: false, priceFormat: { type: 'price', ...format } });
        c.overlays.set(id, s);
        overlaysDrawn.current.delete(id);
      }
      labels.current.set(s, { label: `${label} mid`, color });
      const data = history.day?.price.get(id) ?? history.price.get(id);
      const drawn = overlaysDrawn.current.get(id);
      if (drawn && drawn.data === data && drawn.length === (data?.length ?? 0) && drawn.rewrites === (data?.rewrites ?? 0) && drawn.step === step) continue;
      s.setData(data ? toLine(data, 'mid', 0, step) : []);
      overlaysDrawn.current.set(id, { data, length: data?.length ?? 0, rewrites: data?.rewrites ?? 0, step });
    }
  }, [overlayKey, token, tokens, revision, step, history]);

  // Max so far, as steps up to the cursor, on the price line's own bars: a time the chart doesn't
  // have yet would add a bar and shift every index the cursor is placed by. While only the cursor
  // moves on (the steps behind it unchanged), the line only lengthens at its last value. Any change
  // to a series redraws the whole chart, every frame while playing; so while playing that
  // lengthening is drawn as a line over the chart (`trail`, placed with the cursor) and handed to
  // the series when the chart redraws anyway (it scrolls to follow the cursor) or playing stops.
  const maxDrawn = useRef<{ series: SortedSeries<PricePoint>; steps: string; last: number; value: number } | null>(null);
  /** The max's last point, past the series' last point, while drawn as the trail. */
  const trail = useRef<{ time: UTCTimestamp; value: number } | null>(null);
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const byBar = new Map<number, number>();
    if (current !== null && dayStart !== null && series && series.length > 0) {
      const bar = (sec: number) => series.t[Math.max(0, series.indexAtOrBefore(sec))]!;
      for (const p of maxSoFarSteps(history.metars, dayStart, current)) byBar.set(bar(p.t), p.temp);
    }
    const points = [...byBar].map(([t, value]) => ({ time: t as UTCTimestamp, value }));
    const last = points[points.length - 1];
    const steps = points
      .slice(0, -1)
      .map((p) => `${p.time}:${p.value}`)
      .join(',');
    const drawn = maxDrawn.current;
    const grows = drawn !== null && drawn.series === series && drawn.steps === steps && last !== undefined && last.time >= drawn.last;
    trail.current = null;
    if (grows && last.time === drawn.last && last.value === drawn.value) {
      // the cursor is on the series' last bar
    } else if (grows && last.value === drawn.value && playing) {
      trail.current = last;
    } else {
      if (grows) c.maxSoFar.update(last);
      else if (last || drawn) c.maxSoFar.setData(points);
      maxDrawn.current = last ? { series: series!, steps, last: last.time, value: last.value } : null;
    }
    placeTrail();
  }, [current, dayStart, revision, series, history, playing]);

  /** The max at a bar the trail covers (the series has no point there yet). */
  function trailValueAt(time: number): number | undefined {
    const point = trail.current;
    const from = maxDrawn.current?.last;
    return point && from !== undefined && time > from && time <= point.time ? point.value : undefined;
  }

  /** Hands the trail to the max's series (a chart redraw is coming anyway). */
  function flushTrail(): void {
    const point = trail.current;
    if (!point || !chart.current || !maxDrawn.current) return;
    chart.current.maxSoFar.update(point);
    maxDrawn.current = { ...maxDrawn.current, last: point.time };
    trail.current = null;
  }

  /** Draw the trail from the max's last point on the chart to its point at the cursor. */
  function placeTrail(): void {
    const el = trailEl.current;
    const c = chart.current;
    if (!el || !c) return;
    const point = trail.current;
    const from = maxDrawn.current?.last;
    const x = (t: number) => c.api.timeScale().timeToCoordinate(t as UTCTimestamp);
    const x0 = point && from !== undefined ? x(from) : null;
    const x1 = point ? x(point.time) : null;
    const y = point ? c.maxSoFar.priceToCoordinate(point.value) : null;
    el.hidden = x0 === null || x1 === null || y === null;
    if (x0 === null || x1 === null || y === null) return;
    // coordinates are the pane's: it starts after the left (°F) scale, and ends at the right one
    const left = c.api.priceScale('left').width();
    const from0 = Math.max(0, x0);
    const to1 = Math.min(c.api.timeScale().width(), x1);
    el.style.left = `${left + from0}px`;
    el.style.top = `${y - 1}px`;
    el.style.width = `${Math.max(0, to1 - from0)}px`;
  }

  /** The bar nearest to `ms` (the cursor's exact second may have none). */
  function barIndex(ms: number): number | null {
    const step = stepRef.current;
    return chart.current!.api.timeScale().timeToIndex((Math.floor(ms / 1000 / step) * step) as UTCTimestamp, true) as number | null;
  }

  /** Draw the cursor line where `cursorMs` is on the chart now. */
  function placeCursor(): void {
    const el = cursorEl.current;
    if (!el) return;
    const ms = cursorMs.current;
    const index = chart.current && ms !== null ? barIndex(ms) : null;
    const x = index === null ? null : chart.current!.api.timeScale().logicalToCoordinate(index as Logical);
    el.hidden = x === null;
    // coordinates are the pane's: it starts after the left (°F) scale
    if (x !== null) el.style.left = `${x + chart.current!.api.priceScale('left').width()}px`;
    placeTrail();
  }

  // Cursor: follow it while playing (keeping the zoom), and draw it. The time scale counts bars
  // (one per second of data), so ranges are kept in bars.
  useEffect(() => {
    cursorMs.current = current;
    const c = chart.current;
    if (!c || current === null) return placeCursor();
    const scale = c.api.timeScale();
    const index = barIndex(current);
    // Scroll only when the cursor moved, so panning while paused is left alone.
    if (follow && index !== null && (followedAt.current !== current || resetZoom.current)) {
      const range = scale.getVisibleLogicalRange();
      const width = resetZoom.current || !range ? DEFAULT_SPAN_S / step : Math.max(MIN_BARS, range.to - range.from);
      if (resetZoom.current || !range || index < range.from || index > range.to - width * 0.05) {
        flushTrail();
        scale.setVisibleLogicalRange({ from: index - width * 0.85, to: index + width * 0.15 });
      }
      resetZoom.current = false;
    }
    followedAt.current = current;
    placeCursor();
    // the chart lays new data out on its next frame: place the cursor again once it has
    const frame = requestAnimationFrame(placeCursor);
    return () => cancelAnimationFrame(frame);
  }, [current, revision, follow]);

  /** Frame the whole day (the timeline's range), and stop following so it stays framed. */
  const wholeDay = () => {
    const range = timelineRange(kind, clock);
    const c = chart.current;
    if (!c || !range) return;
    setFollow(false);
    c.api.timeScale().setVisibleRange({ from: Math.floor(range[0] / 1000) as UTCTimestamp, to: Math.ceil(range[1] / 1000) as UTCTimestamp });
  };

  const loadingDay = kind === 'replay' && historyLoad !== null && !historyLoad.chartsReady && !historyLoad.error;

  return (
    <Panel
      id="price"
      title="Price"
      className="area-price"
      flush
      extra={
        <div className="legend">
          <span className="strong mono" data-testid="price-token-label" title={token ?? undefined}>
            {name}
          </span>
          <span>
            <i style={{ background: COLORS.mid }} />
            mid {formatPrice(metrics?.mid ?? null, format.precision)}
          </span>
          <span>
            <i style={{ background: COLORS.micro }} />
            micro {formatPrice(metrics?.microprice ?? null, format.precision)}
          </span>
          <span title="trades (▲ buy, ▼ sell), METARs (M), and the day’s max so far in °F on the left scale">
            <i style={{ background: COLORS.bid, height: 6, width: 6 }} />
            <i style={{ background: COLORS.ask, height: 6, width: 6 }} />
            trades <i style={{ background: COLORS.metar, height: 6, width: 6 }} />M <i style={{ background: COLORS.cursor }} />
            max °F
          </span>
          {loadingDay && (
            <span className="dim" data-testid="price-history-loading" title="The whole day loads in the background (DuckDB-WASM); until then the chart shows what was played">
              day history {Math.round(historyLoad!.fraction * 100)}%
            </span>
          )}
          <OverlayPicker selected={token} />
          <button aria-pressed={follow} onClick={() => setFollow((f) => !f)} title="Keep the cursor in view" className="small">
            follow
          </button>
          <button data-testid="price-fit" onClick={wholeDay} title="Show the whole day" className="small">
            whole day
          </button>
        </div>
      }
    >
      <div
        ref={wrap}
        className="chart-wrap"
        data-testid="price-chart"
        data-token={token ?? ''}
        data-overlays={overlayIds.filter((id) => id !== token).join(',')}
        data-step={step}
        data-points={series?.length ?? 0}
        data-first={series && series.length > 0 ? series.t[0]! * 1000 : ''}
        data-last={series && series.length > 0 ? series.t[series.length - 1]! * 1000 : ''}
        onPointerLeave={() => setReadout(null)}
      >
        <div className="chart-host" ref={host} />
        <div ref={cursorEl} className="chart-cursor" data-testid="price-cursor" hidden />
        <div ref={trailEl} className="chart-max-trail" data-testid="price-max-trail" hidden />
        {readout && (
          <div className="chart-readout" data-testid="price-readout" style={{ left: Math.max(4, readout.x > 240 ? readout.x - 230 : readout.x + 16) }}>
            <div className="strong">
              {formatTime(readout.time, zone)} {ZONES[zone].label}
            </div>
            {readout.lines.map((l) => (
              <div key={l.label} className="mono">
                <i className="swatch" style={{ background: l.color }} />
                {l.label} {l.value}
              </div>
            ))}
          </div>
        )}
      </div>
    </Panel>
  );
}

/** Which other buckets to draw with the selected one (memo: the chart re-renders every frame while playing). */
const OverlayPicker = memo(function OverlayPicker({ selected }: { selected: string | null }) {
  const { ui } = useApp();
  const tokens = useBucketTokens();
  const overlays = useUi((s) => s.overlayTokens);
  const chosen = overlays.filter((id) => id !== selected);
  return (
    <details className="menu" data-testid="price-overlays">
      <summary role="button" className="small" title="Draw other buckets’ mids on the same chart">
        + buckets{chosen.length ? ` (${chosen.length})` : ''}
      </summary>
      <div className="menu-list" role="menu">
        {tokens.map((t, i) => (
          <label key={t.token_id}>
            <input
              type="checkbox"
              data-testid={`overlay-${t.token_id}`}
              disabled={t.token_id === selected}
              checked={t.token_id === selected || chosen.includes(t.token_id)}
              onChange={() => ui.getState().toggleOverlay(t.token_id)}
            />{' '}
            <i className="swatch" style={{ background: bucketColor(i, tokens.length) }} />
            {t.bucket}
          </label>
        ))}
      </div>
    </details>
  );
});

/**
 * Snapshots come every second: a silence longer than a few seconds (or than one bucket missing,
 * in the whole-day series) is a hole in what was seen, drawn as a gap.
 */
const GAP_S = 5;

function toLine(series: SortedSeries<PricePoint>, key: 'mid' | 'microprice', from: number, step: number): (LineData<Time> | WhitespaceData<Time>)[] {
  const gap = Math.max(GAP_S, 1.5 * step);
  const out: (LineData<Time> | WhitespaceData<Time>)[] = [];
  for (let i = from; i < series.length; i++) {
    const point = series.v[i]!;
    const value = point[key];
    const t = series.t[i]!;
    const previous = i > 0 ? series.t[i - 1]! : null;
    if (previous !== null && t - previous > gap) out.push({ time: (previous + step) as UTCTimestamp });
    if (value === null) out.push({ time: t as UTCTimestamp });
    else out.push(point.ok ? { time: t as UTCTimestamp, value } : { time: t as UTCTimestamp, value, color: UNTRUSTED });
  }
  return out;
}

const MAX_TRADE_MARKERS = 2000;

/** Trades and METARs on the chart's bars (times snapped to the series' step). */
function buildMarkers(trades: SortedSeries<TradePoint[]> | undefined, metars: SortedSeries<unknown>, step: number): SeriesMarker<Time>[] {
  const bar = (sec: number) => (Math.floor(sec / step) * step) as UTCTimestamp;
  const out: SeriesMarker<Time>[] = [];
  if (trades) {
    const from = Math.max(0, trades.length - MAX_TRADE_MARKERS);
    for (let i = from; i < trades.length; i++) {
      for (const t of trades.v[i]!) {
        out.push({
          time: bar(trades.t[i]!),
          position: 'atPriceMiddle',
          price: t.p,
          shape: t.side === 'sell' ? 'arrowDown' : t.side === 'buy' ? 'arrowUp' : 'circle',
          color: t.side === 'sell' ? COLORS.ask : t.side === 'buy' ? COLORS.bid : COLORS.dim,
          size: 0.6,
        });
      }
    }
  }
  for (let i = 0; i < metars.length; i++) {
    out.push({ time: bar(metars.t[i]!), position: 'aboveBar', shape: 'square', color: COLORS.metar, text: 'M', size: 0.7 });
  }
  return out.sort((a, b) => (a.time as number) - (b.time as number));
}
