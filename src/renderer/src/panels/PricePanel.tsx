/**
 * Price: the selected token's mid and microprice over the day (one point per second), its trades
 * and the METARs as markers, and the cursor. Drawn with lightweight-charts, fed incrementally from
 * the history: appends become `update()` calls, only a rewrite (after a seek back) redraws all.
 */
import { useEffect, useRef, useState } from 'react';
import {
  createChart,
  createSeriesMarkers,
  LineSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type LineData,
  type Logical,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
  type WhitespaceData,
} from 'lightweight-charts';
import { useApp, useSession, useUi } from '../app-context';
import { formatHourMinute, formatPrice, formatTime, type ZoneChoice } from '../format';
import type { PricePoint, SortedSeries } from '../store/history';
import { COLORS } from '../theme';
import { Panel } from './Panel';
import { tokenLabel, useSelectedToken } from './tokens';

/** Bars shown when a token is first drawn (one bar per second: 15 minutes), and the least kept. */
const DEFAULT_BARS = 15 * 60;
const MIN_BARS = 30;

interface Drawn {
  token: string | null;
  length: number;
  rewrites: number;
  trades: number;
  tradeRewrites: number;
  metars: number;
}

export function PricePanel() {
  const { history } = useApp();
  const token = useSelectedToken();
  const revision = useSession((s) => s.historyRevision);
  const current = useSession((s) => s.clock?.current_ms ?? null);
  const zone = useUi((s) => s.zone);
  const host = useRef<HTMLDivElement>(null);
  const chart = useRef<{ api: IChartApi; mid: ISeriesApi<'Line'>; micro: ISeriesApi<'Line'>; markers: ISeriesMarkersPluginApi<Time> } | null>(null);
  const drawn = useRef<Drawn>({ token: null, length: 0, rewrites: -1, trades: -1, tradeRewrites: -1, metars: -1 });
  const [cursorX, setCursorX] = useState<number | null>(null);
  const [follow, setFollow] = useState(true);
  const [rangeTick, setRangeTick] = useState(0);
  const followedAt = useRef<number | null>(null);
  const resetZoom = useRef(true);
  const zoneRef = useRef<ZoneChoice>(zone);
  zoneRef.current = zone;

  useEffect(() => {
    const el = host.current!;
    const api = createChart(el, {
      autoSize: true,
      layout: { background: { color: COLORS.panel }, textColor: COLORS.dim, fontSize: 10, attributionLogo: false },
      grid: { vertLines: { color: COLORS.grid }, horzLines: { color: COLORS.grid } },
      rightPriceScale: { borderColor: COLORS.border },
      timeScale: {
        borderColor: COLORS.border,
        timeVisible: true,
        secondsVisible: true,
        // TickMarkType 4 = a tick between whole minutes: show the seconds.
        tickMarkFormatter: (t: Time, type: number) => (type === 4 ? formatTime : formatHourMinute)((t as number) * 1000, zoneRef.current),
      },
      localization: { timeFormatter: (t: Time) => formatTime((t as number) * 1000, zoneRef.current), priceFormatter: (p: number) => p.toFixed(3) },
      crosshair: { mode: 0 },
    });
    const priceFormat = { type: 'price' as const, precision: 4, minMove: 0.0001 };
    const mid = api.addSeries(LineSeries, { color: COLORS.mid, lineWidth: 1, priceFormat, title: 'mid', lastValueVisible: true, priceLineVisible: false });
    const micro = api.addSeries(LineSeries, { color: COLORS.micro, lineWidth: 1, lineStyle: 2, priceFormat, title: 'micro', lastValueVisible: false, priceLineVisible: false });
    const markers = createSeriesMarkers(mid, []);
    chart.current = { api, mid, micro, markers };
    const onRange = () => setRangeTick((t) => t + 1); // the cursor must be re-placed
    api.timeScale().subscribeVisibleTimeRangeChange(onRange);
    return () => {
      api.timeScale().unsubscribeVisibleTimeRangeChange(onRange);
      api.remove();
      chart.current = null;
      drawn.current = { token: null, length: 0, rewrites: -1, trades: -1, tradeRewrites: -1, metars: -1 };
    };
  }, []);

  // Series data: incremental when only appended.
  useEffect(() => {
    const c = chart.current;
    if (!c) return;
    const series = token ? history.price.get(token) : undefined;
    const d = drawn.current;
    if (!series) {
      if (d.length !== 0 || d.token !== token) {
        c.mid.setData([]);
        c.micro.setData([]);
      }
      drawn.current = { ...d, token, length: 0, rewrites: -1 };
    } else if (d.token !== token || d.rewrites !== series.rewrites || series.length < d.length) {
      c.mid.setData(toLine(series, 'mid', 0));
      c.micro.setData(toLine(series, 'microprice', 0));
      if (d.token !== token || d.length === 0) resetZoom.current = true;
      drawn.current = { ...d, token, length: series.length, rewrites: series.rewrites };
    } else if (series.length > d.length) {
      for (const p of toLine(series, 'mid', d.length)) c.mid.update(p);
      for (const p of toLine(series, 'microprice', d.length)) c.micro.update(p);
      drawn.current = { ...d, length: series.length };
    }
    // Markers: trades of the token and METARs, only when they changed.
    const trades = token ? history.trades.get(token) : undefined;
    const tradeCount = trades?.length ?? 0;
    const tradeRewrites = trades?.rewrites ?? 0;
    if (d.token !== token || tradeCount !== d.trades || tradeRewrites !== d.tradeRewrites || history.metars.length !== d.metars) {
      c.markers.setMarkers(buildMarkers(trades, history.metars));
      drawn.current = { ...drawn.current, trades: tradeCount, tradeRewrites, metars: history.metars.length };
    }
  }, [token, revision, history]);

  // Cursor: follow it while playing (keeping the zoom), and draw it. The time scale counts bars
  // (one per second of data), so ranges are kept in bars.
  useEffect(() => {
    const c = chart.current;
    if (!c || current === null) {
      setCursorX(null);
      return;
    }
    const scale = c.api.timeScale();
    // The nearest bar: the cursor's exact second may have none.
    const index = scale.timeToIndex(Math.floor(current / 1000) as UTCTimestamp, true) as number | null;
    // Scroll only when the cursor moved, so panning while paused is left alone.
    if (follow && index !== null && (followedAt.current !== current || resetZoom.current)) {
      const range = scale.getVisibleLogicalRange();
      const width = resetZoom.current || !range ? DEFAULT_BARS : Math.max(MIN_BARS, range.to - range.from);
      if (resetZoom.current || !range || index < range.from || index > range.to - width * 0.05) {
        scale.setVisibleLogicalRange({ from: index - width * 0.85, to: index + width * 0.15 });
      }
      resetZoom.current = false;
    }
    followedAt.current = current;
    const x = index === null ? null : scale.logicalToCoordinate(index as Logical);
    setCursorX(x === null ? null : x);
  }, [current, revision, follow, rangeTick]);

  const last = token ? history.price.get(token) : undefined;
  const lastPoint = last && last.length > 0 ? last.v[last.indexAtOrBefore(Math.floor((current ?? Infinity) / 1000))] : undefined;

  return (
    <Panel
      id="price"
      title="Price"
      className="area-price"
      flush
      extra={
        <div className="legend">
          <span className="strong mono">{token ? tokenLabel(token) : '—'}</span>
          <span>
            <i style={{ background: COLORS.mid }} />
            mid {formatPrice(lastPoint?.mid ?? null, 4)}
          </span>
          <span>
            <i style={{ background: COLORS.micro }} />
            micro {formatPrice(lastPoint?.microprice ?? null, 4)}
          </span>
          <span>
            <i style={{ background: COLORS.bid, height: 6, width: 6 }} />
            buy
          </span>
          <span>
            <i style={{ background: COLORS.ask, height: 6, width: 6 }} />
            sell
          </span>
          <span>
            <i style={{ background: COLORS.metar, height: 6, width: 6 }} />
            METAR
          </span>
          <button aria-pressed={follow} onClick={() => setFollow((f) => !f)} title="Keep the cursor in view" style={{ height: 18, fontSize: 10 }}>
            follow
          </button>
          <button onClick={() => chart.current?.api.timeScale().fitContent()} title="Show the whole history" style={{ height: 18, fontSize: 10 }}>
            fit
          </button>
        </div>
      }
    >
      <div className="chart-wrap" data-testid="price-chart">
        <div className="chart-host" ref={host} />
        {cursorX !== null && <div className="chart-cursor" data-testid="price-cursor" style={{ left: cursorX }} />}
      </div>
    </Panel>
  );
}

/** Snapshots come every second: a longer silence is a hole in what was seen, drawn as a gap. */
const GAP_S = 5;

function toLine(series: SortedSeries<PricePoint>, key: keyof PricePoint, from: number): (LineData<Time> | WhitespaceData<Time>)[] {
  const out: (LineData<Time> | WhitespaceData<Time>)[] = [];
  for (let i = from; i < series.length; i++) {
    const value = series.v[i]![key];
    const t = series.t[i]!;
    const previous = i > 0 ? series.t[i - 1]! : null;
    if (previous !== null && t - previous > GAP_S) out.push({ time: (previous + 1) as UTCTimestamp });
    out.push(value === null ? { time: t as UTCTimestamp } : { time: t as UTCTimestamp, value });
  }
  return out;
}

const MAX_TRADE_MARKERS = 2000;

function buildMarkers(trades: SortedSeries<{ p: number; s: number; side: 'buy' | 'sell' | null }[]> | undefined, metars: SortedSeries<unknown>): SeriesMarker<Time>[] {
  const out: SeriesMarker<Time>[] = [];
  if (trades) {
    const from = Math.max(0, trades.length - MAX_TRADE_MARKERS);
    for (let i = from; i < trades.length; i++) {
      for (const t of trades.v[i]!) {
        out.push({
          time: trades.t[i]! as UTCTimestamp,
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
    out.push({ time: metars.t[i]! as UTCTimestamp, position: 'aboveBar', shape: 'square', color: COLORS.metar, text: 'M', size: 0.7 });
  }
  return out.sort((a, b) => (a.time as number) - (b.time as number));
}
