/**
 * The day on one strip: time ticks in the chosen zone, event windows as ranges coloured by
 * reason, METARs, shocks, gaps/resyncs, the loaded ranges, the selected range and the cursor.
 * Click or drag to seek; Shift+drag selects a range (play it in a loop, export it, open it in
 * SQL); the wheel (or a pinch) zooms around the pointer, Shift+wheel or a sideways swipe pans, and
 * the overview bar under the strip shows and moves the zoomed part. Nothing of the day is out of
 * reach: "whole day" (or 0) shows all of it again.
 */
import { memo, useEffect, useMemo, useRef, useState, type PointerEvent, type WheelEvent } from 'react';
import type { Marker } from '../../../shared/manifest';
import { getStation } from '../../../shared/stations';
import { localDayBoundsUtc, stationDate } from '../../../shared/time';
import type { ClockView, SessionKind } from '../store/session-store';
import type { TimeRange } from '../store/ui-store';
import { useApp, useSession, useUi } from '../app-context';
import { formatTime, formatTimeMs, ZONES, type ZoneChoice } from '../format';
import { COLORS, WINDOW_COLORS } from '../theme';
import { tokenLabelNow } from '../panels/tokens';
import { timeTicks } from '../time-ticks';
import { clampView, panView, zoomView } from '../timeline-view';
import { rangeSql } from '../sql-range';

/** Drawing height. */
const HEIGHT = 60;
const ROW = { labels: 11, windows: 16, points: 31, loaded: 50 } as const;
const SEEK_THROTTLE_MS = 80;
const WHEEL_ZOOM = 1.0015;

type Drag = { mode: 'seek'; last: number; pending: number | null; timer: ReturnType<typeof setTimeout> | null } | { mode: 'select'; anchor: number };

export function Timeline() {
  const { controller, session, ui } = useApp();
  const clock = useSession((s) => s.clock);
  const markers = useSession((s) => s.markers);
  const zone = useUi((s) => s.zone);
  const view = useUi((s) => s.view);
  const selection = useUi((s) => s.selection);
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ x: number; ms: number; marker: Marker | null } | null>(null);
  const drag = useRef<Drag | null>(null);

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setWidth(el.clientWidth));
    observer.observe(el);
    setWidth(el.clientWidth);
    return () => observer.disconnect();
  }, []);

  const kind = useSession((s) => s.kind);
  // Token names for the markers that concern one token (shocks, gaps, resyncs): bucket labels.
  const tokens = useSession((s) => s.tokens);
  const bucketsKey = useSession((s) =>
    Object.values(s.channels.books)
      .map((b) => `${b.token_id}=${b.bucket ?? ''}`)
      .sort()
      .join('|'),
  );
  const nameOf = useMemo(() => {
    const state = session.getState(); // as of the last change of `tokens` or a bucket label
    return (id: string) => tokenLabelNow(state, id);
  }, [tokens, bucketsKey, session]);
  const day = timelineRange(kind, clock);
  const shown = day ? (clampView(view, day) ?? { from: day[0], to: day[1] }) : null;
  const span = shown && shown.to > shown.from ? shown.to - shown.from : null;
  const x = (ms: number) => (span === null ? 0 : ((ms - shown!.from) / span) * width);
  const msAt = (px: number) => (span === null ? 0 : shown!.from + (Math.min(Math.max(px, 0), width) / width) * span);
  const canSeek = clock?.capabilities.includes('seek') ?? false;

  const nearestMarker = (px: number): Marker | null => {
    let best: Marker | null = null;
    let bestDistance = 5;
    for (const m of markers) {
      const mx = x(Date.parse(m.ts));
      const mEnd = m.end_ts ? x(Date.parse(m.end_ts)) : mx;
      const distance = px < mx ? mx - px : px > mEnd ? px - mEnd : 0;
      if (distance < bestDistance || (distance === 0 && m.kind !== 'WINDOW')) {
        best = m;
        bestDistance = distance;
      }
    }
    return best;
  };

  const localX = (e: { clientX: number }) => e.clientX - host.current!.getBoundingClientRect().left;
  const seekThrottled = (ms: number) => {
    const d = drag.current;
    if (!d || d.mode !== 'seek') return;
    const now = performance.now();
    if (now - d.last >= SEEK_THROTTLE_MS) {
      d.last = now;
      d.pending = null;
      controller.seek(ms);
    } else {
      d.pending = ms;
      d.timer ??= setTimeout(() => {
        const current = drag.current;
        if (!current || current.mode !== 'seek') return;
        current.timer = null;
        if (current.pending !== null) seekThrottled(current.pending);
      }, SEEK_THROTTLE_MS);
    }
  };

  const onWheel = (e: WheelEvent) => {
    if (!day || span === null) return;
    const sideways = e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY);
    if (sideways) ui.getState().setView(panView(view, day, ((e.shiftKey ? e.deltaY : e.deltaX) / Math.max(1, width)) * span));
    else ui.getState().setView(zoomView(view, day, msAt(localX(e)), Math.pow(WHEEL_ZOOM, e.deltaY * (e.ctrlKey ? 4 : 1))));
  };

  return (
    <div className="timeline-box" data-testid="timeline-box">
      <div
        ref={host}
        className="timeline"
        data-testid="timeline"
        role="slider"
        aria-label="Timeline"
        aria-valuemin={shown?.from}
        aria-valuemax={shown?.to}
        aria-valuenow={clock?.current_ms ?? undefined}
        aria-valuetext={clock?.current_ms ? formatTime(clock.current_ms, zone) : undefined}
        data-from={shown?.from ?? ''}
        data-to={shown?.to ?? ''}
        onWheel={onWheel}
        onPointerDown={(e) => {
          if (span === null || e.button !== 0) return;
          e.currentTarget.setPointerCapture(e.pointerId);
          if (e.shiftKey) {
            drag.current = { mode: 'select', anchor: msAt(localX(e)) };
            return;
          }
          if (!canSeek) return;
          drag.current = { mode: 'seek', last: 0, pending: null, timer: null };
          seekThrottled(msAt(localX(e)));
        }}
        onPointerMove={(e) => {
          if (span === null) return;
          const px = localX(e);
          setHover({ x: px, ms: msAt(px), marker: nearestMarker(px) });
          const d = drag.current;
          if (d?.mode === 'seek') seekThrottled(msAt(px));
          else if (d?.mode === 'select') {
            const ms = msAt(px);
            if (Math.abs(ms - d.anchor) > 0) ui.getState().setSelection({ from: Math.min(d.anchor, ms), to: Math.max(d.anchor, ms) });
          }
        }}
        onPointerUp={(e) => {
          const d = drag.current;
          drag.current = null;
          if (d?.mode === 'seek') {
            if (d.timer) clearTimeout(d.timer);
            if (span !== null) controller.seek(msAt(localX(e)));
          }
        }}
        onPointerLeave={() => setHover(null)}
      >
        {shown && span !== null && width > 0 && (
          <svg width={width} height={HEIGHT}>
            <Background from={shown.from} to={shown.to} width={width} zone={zone} />
            <Loaded ranges={clock?.loaded_ranges ?? []} x={x} start={shown.from} end={shown.to} />
            <MarkerLayer markers={markers} start={shown.from} span={span} width={width} nameOf={nameOf} />
            {selection && <SelectionBand selection={selection} x={x} />}
            {clock?.current_ms !== null && clock?.current_ms !== undefined && (
              <g data-testid="timeline-cursor" data-ms={clock.current_ms} data-x={x(clock.current_ms).toFixed(1)}>
                <line x1={x(clock.current_ms)} x2={x(clock.current_ms)} y1={0} y2={HEIGHT} stroke={COLORS.cursor} strokeWidth={1.5} />
                <path d={`M${x(clock.current_ms) - 5},0 L${x(clock.current_ms) + 5},0 L${x(clock.current_ms)},6 Z`} fill={COLORS.cursor} />
              </g>
            )}
          </svg>
        )}
        {span === null && <div className="empty" style={{ padding: '20px 12px' }}>No day open — press REPLAY or LIVE.</div>}
        {hover && (
          <div className="timeline-tip" style={{ left: Math.min(hover.x + 10, Math.max(0, width - 360)) }}>
            {formatTime(hover.ms, zone)} {ZONES[zone].label}
            {hover.marker && ` · ${markerName(hover.marker)}${hover.marker.token_id ? ` ${nameOf(hover.marker.token_id)}` : ''}: ${hover.marker.label}`}
          </div>
        )}
      </div>
      {day && <Overview day={day} shown={shown!} cursor={clock?.current_ms ?? null} onView={(v) => ui.getState().setView(clampView(v, day))} />}
      <div className="timeline-bar">
        <div className="group" role="group" aria-label="Timeline zoom">
          <button data-testid="zoom-out" disabled={!day || view === null} onClick={() => day && ui.getState().setView(zoomView(view, day, clock?.current_ms ?? null, 2))} title="Zoom out (−)" aria-label="Zoom the timeline out">
            −
          </button>
          <button data-testid="zoom-in" disabled={!day} onClick={() => day && ui.getState().setView(zoomView(view, day, clock?.current_ms ?? null, 0.5))} title="Zoom in around the cursor (+; or the wheel over the timeline)" aria-label="Zoom the timeline in">
            +
          </button>
          <button data-testid="zoom-fit" disabled={!day || view === null} onClick={() => ui.getState().setView(null)} title="Show the whole day (0)">
            whole day
          </button>
          {shown && view && (
            <span className="dim mono" data-testid="timeline-view">
              {formatTime(shown.from, zone)}–{formatTime(shown.to, zone)}
            </span>
          )}
        </div>
        <SelectionControls />
        <div className="spacer" />
        <Legend />
      </div>
    </div>
  );
}

/** What to do with the selected range: loop it, export it, query it. */
function SelectionControls() {
  const { controller, ui } = useApp();
  const selection = useUi((s) => s.selection);
  const loop = useUi((s) => s.loop);
  const zone = useUi((s) => s.zone);
  const kind = useSession((s) => s.kind);
  if (!selection) {
    return (
      <span className="dim timeline-hint" title="Shift+drag on the timeline, or I and O at the cursor">
        Shift+drag to select a range
      </span>
    );
  }
  return (
    <div className="group selection-controls" role="group" aria-label="Selected range" data-testid="selection" data-from={selection.from} data-to={selection.to}>
      <span className="mono strong" title={`${formatTimeMs(selection.from, zone)} – ${formatTimeMs(selection.to, zone)} ${ZONES[zone].label}`}>
        {formatTime(selection.from, zone)}–{formatTime(selection.to, zone)}
      </span>
      <button
        data-testid="selection-loop"
        aria-pressed={loop}
        onClick={() => {
          ui.getState().setLoop(!loop);
          if (!loop) controller.play();
        }}
        title="Play the range in a loop (L)"
      >
        ⟲ loop
      </button>
      <button data-testid="selection-export" disabled={kind !== 'replay'} onClick={() => void controller.exportSelection()} title="Every channel of the range as Parquet, and its snapshots as CSV">
        Export range
      </button>
      <button data-testid="selection-sql" disabled={kind !== 'replay'} onClick={() => ui.getState().openInSql(rangeSql(selection))} title="Query the range in the SQL console">
        Open in SQL
      </button>
      <button data-testid="selection-clear" onClick={() => ui.getState().setSelection(null)} title="Clear the selection (Esc)" aria-label="Clear the selection">
        ✕
      </button>
    </div>
  );
}

/** The whole day under the strip, with the zoomed part framed: drag or click it to pan. */
function Overview({ day, shown, cursor, onView }: { day: readonly [number, number]; shown: TimeRange; cursor: number | null; onView: (v: TimeRange) => void }) {
  const el = useRef<HTMLDivElement>(null);
  const grab = useRef<{ x: number; from: number } | null>(null);
  const full = day[1] - day[0];
  const pct = (ms: number) => `${((ms - day[0]) / full) * 100}%`;
  const zoomed = shown.to - shown.from < full;
  const msPerPx = () => full / Math.max(1, el.current?.clientWidth ?? 1);
  return (
    <div
      ref={el}
      className={`timeline-overview${zoomed ? ' zoomed' : ''}`}
      data-testid="timeline-overview"
      title={zoomed ? 'The whole day: drag the frame to pan, click to move it there' : 'The whole day is shown'}
      onPointerDown={(e) => {
        if (!zoomed) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        const rect = e.currentTarget.getBoundingClientRect();
        const at = day[0] + ((e.clientX - rect.left) / rect.width) * full;
        const span = shown.to - shown.from;
        const inside = at >= shown.from && at <= shown.to;
        const from = inside ? shown.from : at - span / 2;
        if (!inside) onView({ from, to: from + span });
        grab.current = { x: e.clientX, from };
      }}
      onPointerMove={(e) => {
        const g = grab.current;
        if (!g) return;
        const from = g.from + (e.clientX - g.x) * msPerPx();
        onView({ from, to: from + (shown.to - shown.from) });
      }}
      onPointerUp={() => (grab.current = null)}
    >
      {zoomed && <div className="frame" style={{ left: pct(shown.from), width: `${((shown.to - shown.from) / full) * 100}%` }} />}
      {cursor !== null && <div className="cursor" style={{ left: pct(cursor) }} />}
    </div>
  );
}

/** One name per kind: windows by reason ("… window"), instants by what they are. */
const WINDOW_NAMES: Record<string, string> = {
  METAR: 'METAR window',
  QC: 'QC window',
  MID_SHOCK: 'shock window',
  SPREAD_REGIME: 'spread window',
  DEPTH_CLIFF: 'depth window',
  MANUAL: 'manual window',
};

function markerName(m: Marker): string {
  if (m.kind === 'WINDOW') return m.reason ? WINDOW_NAMES[m.reason]! : 'window';
  return { METAR: 'METAR', SHOCK: 'shock', GAP: 'gap', RESYNC: 'resync' }[m.kind];
}

const Legend = memo(function Legend() {
  const windows = Object.entries(WINDOW_COLORS).filter(([reason]) => reason !== 'MANUAL');
  return (
    <div className="timeline-legend" data-testid="timeline-legend" aria-hidden>
      {windows.map(([reason, color]) => (
        <span key={reason}>
          <i style={{ background: color }} />
          {WINDOW_NAMES[reason]}
        </span>
      ))}
      <span>
        <i style={{ background: COLORS.metar, transform: 'rotate(45deg) scale(0.8)' }} />
        METAR
      </span>
      <span>
        <i style={{ background: COLORS.shock, clipPath: 'polygon(50% 0, 100% 100%, 0 100%)' }} />
        shock
      </span>
      <span>
        <i style={{ background: COLORS.gap, width: 3 }} />
        gap
      </span>
      <span>
        <i style={{ background: COLORS.resync, width: 3 }} />
        resync
      </span>
      <span>
        <i style={{ background: COLORS.loaded, height: 4 }} />
        loaded
      </span>
    </div>
  );
});

const Background = memo(function Background({ from, to, width, zone }: { from: number; to: number; width: number; zone: ZoneChoice }) {
  const ticks = useMemo(() => timeTicks(from, to, width, zone), [from, to, width, zone]);
  return (
    <g>
      <rect x={0} y={ROW.loaded} width={width} height={4} fill="#161b22" />
      {ticks.map((t) => {
        const x = ((t.ms - from) / (to - from)) * width;
        return (
          <g key={t.ms}>
            <line x1={x} x2={x} y1={12} y2={HEIGHT} stroke={COLORS.grid} strokeWidth={1} />
            <text x={x + 3} y={ROW.labels - 1} fill={COLORS.dim} fontSize={9.5} style={{ fontFamily: 'var(--mono)' }} data-testid="timeline-tick" data-ms={t.ms}>
              {t.label}
            </text>
          </g>
        );
      })}
    </g>
  );
});

function Loaded({ ranges, x, start, end }: { ranges: ReadonlyArray<readonly [number, number]>; x: (ms: number) => number; start: number; end: number }) {
  return (
    <g data-testid="loaded-ranges">
      {ranges.map(([a, b]) => {
        const x0 = x(Math.max(a, start));
        const x1 = x(Math.min(b, end));
        return x1 > x0 ? <rect key={`${a}-${b}`} x={x0} y={ROW.loaded} width={Math.max(1, x1 - x0)} height={4} fill={COLORS.loaded} /> : null;
      })}
    </g>
  );
}

function SelectionBand({ selection, x }: { selection: TimeRange; x: (ms: number) => number }) {
  const x0 = x(selection.from);
  const x1 = x(selection.to);
  return <rect data-testid="selection-band" x={x0} y={0} width={Math.max(1, x1 - x0)} height={HEIGHT} fill={COLORS.accent} opacity={0.14} stroke={COLORS.accent} strokeOpacity={0.6} />;
}

const MarkerLayer = memo(function MarkerLayer({
  markers,
  start,
  span,
  width,
  nameOf,
}: {
  markers: readonly Marker[];
  start: number;
  span: number;
  width: number;
  nameOf: (tokenId: string) => string;
}) {
  const x = (ms: number) => ((ms - start) / span) * width;
  return (
    <g>
      {markers.map((m, i) => {
        const ms = Date.parse(m.ts);
        const endMs = m.kind === 'WINDOW' ? (m.end_ts ? Date.parse(m.end_ts) : ms + 60_000) : ms;
        if (endMs < start || ms > start + span) return null;
        const mx = x(ms);
        const token = m.token_id ? nameOf(m.token_id) : undefined;
        const common = { 'data-testid': 'marker', 'data-kind': m.kind, 'data-ts': m.ts, 'data-token-label': token } as const;
        switch (m.kind) {
          case 'WINDOW': {
            const color = m.reason ? WINDOW_COLORS[m.reason] : COLORS.dim;
            return <rect key={i} {...common} data-reason={m.reason ?? ''} x={mx} y={ROW.windows} width={Math.max(2, x(endMs) - mx)} height={10} fill={color} opacity={0.85} rx={1} />;
          }
          case 'METAR':
            return (
              <g key={i} {...common}>
                <line x1={mx} x2={mx} y1={ROW.points - 3} y2={ROW.loaded} stroke={COLORS.metar} strokeWidth={1.5} />
                <rect x={mx - 3} y={ROW.points - 3} width={6} height={6} fill={COLORS.metar} transform={`rotate(45 ${mx} ${ROW.points})`} />
              </g>
            );
          case 'SHOCK':
            return (
              <path key={i} {...common} d={`M${mx - 4},${ROW.points + 12} L${mx + 4},${ROW.points + 12} L${mx},${ROW.points + 4} Z`} fill={COLORS.shock}>
                <title>{`shock${token ? ` ${token}` : ''}: ${m.label}`}</title>
              </path>
            );
          case 'GAP':
          case 'RESYNC':
            return <rect key={i} {...common} x={mx - 1} y={ROW.points + 5} width={2.5} height={10} fill={m.kind === 'GAP' ? COLORS.gap : COLORS.resync} />;
        }
      })}
    </g>
  );
});

/**
 * Replay and snapshots span the player's range; live spans the station's whole local day, so the
 * cursor (now) shows how far into the day the market is.
 */
export function timelineRange(kind: SessionKind, clock: ClockView | null): [number, number] | null {
  if (!clock) return null;
  if (kind === 'live' && clock.current_ms !== null && clock.station_id) {
    try {
      const station = getStation(clock.station_id);
      return localDayBoundsUtc(stationDate(clock.current_ms, station.id), station.timeZone);
    } catch {
      /* unknown station: fall back to the player's range */
    }
  }
  return clock.start_ms !== null && clock.end_ms !== null && clock.end_ms > clock.start_ms ? [clock.start_ms, clock.end_ms] : null;
}
