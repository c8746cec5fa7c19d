/**
 * The whole day on one strip: hour ticks in the chosen zone, event windows as ranges coloured by
 * reason, METARs, shocks, gaps/resyncs, the loaded ranges, and the cursor. Click or drag to seek.
 */
import { memo, useEffect, useMemo, useRef, useState, type PointerEvent } from 'react';
import type { Marker } from '../../../shared/manifest';
import { getStation } from '../../../shared/stations';
import { localDayBoundsUtc, stationDate, utcOffsetMinutes } from '../../../shared/time';
import type { ClockView, SessionKind } from '../store/session-store';
import { useApp, useSession, useUi } from '../app-context';
import { formatHourMinute, formatTime, ZONES, type ZoneChoice } from '../format';
import { COLORS, WINDOW_COLORS } from '../theme';
import { tokenLabelNow } from '../panels/tokens';

/** Drawing height; the legend sits below it. */
const HEIGHT = 60;
const ROW = { labels: 11, windows: 16, points: 31, loaded: 50 } as const;
const SEEK_THROTTLE_MS = 80;

export function Timeline() {
  const { controller, session } = useApp();
  const clock = useSession((s) => s.clock);
  const markers = useSession((s) => s.markers);
  const zone = useUi((s) => s.zone);
  const host = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  const [hover, setHover] = useState<{ x: number; ms: number; marker: Marker | null } | null>(null);
  const drag = useRef<{ last: number; pending: number | null; timer: ReturnType<typeof setTimeout> | null } | null>(null);

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
  const [start, end] = timelineRange(kind, clock);
  const span = start !== null && end !== null && end > start ? end - start : null;
  const x = (ms: number) => (span === null ? 0 : ((ms - start!) / span) * width);
  const msAt = (px: number) => (span === null ? 0 : start! + (Math.min(Math.max(px, 0), width) / width) * span);
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

  const localX = (e: PointerEvent) => e.clientX - host.current!.getBoundingClientRect().left;
  const seekThrottled = (ms: number) => {
    const d = drag.current;
    if (!d) return;
    const now = performance.now();
    if (now - d.last >= SEEK_THROTTLE_MS) {
      d.last = now;
      d.pending = null;
      controller.seek(ms);
    } else {
      d.pending = ms;
      d.timer ??= setTimeout(() => {
        if (!drag.current) return;
        drag.current.timer = null;
        if (drag.current.pending !== null) seekThrottled(drag.current.pending);
      }, SEEK_THROTTLE_MS);
    }
  };

  return (
    <div
      ref={host}
      className="timeline"
      data-testid="timeline"
      role="slider"
      aria-label="Timeline"
      aria-valuemin={start ?? undefined}
      aria-valuemax={end ?? undefined}
      aria-valuenow={clock?.current_ms ?? undefined}
      aria-valuetext={clock?.current_ms ? formatTime(clock.current_ms, zone) : undefined}
      onPointerDown={(e) => {
        if (!canSeek || span === null) return;
        e.currentTarget.setPointerCapture(e.pointerId);
        drag.current = { last: 0, pending: null, timer: null };
        seekThrottled(msAt(localX(e)));
      }}
      onPointerMove={(e) => {
        if (span === null) return;
        const px = localX(e);
        setHover({ x: px, ms: msAt(px), marker: nearestMarker(px) });
        if (drag.current) seekThrottled(msAt(px));
      }}
      onPointerUp={(e) => {
        const d = drag.current;
        drag.current = null;
        if (d?.timer) clearTimeout(d.timer);
        if (d && span !== null) controller.seek(msAt(localX(e)));
      }}
      onPointerLeave={() => setHover(null)}
    >
      {span !== null && width > 0 && (
        <svg width={width} height={HEIGHT}>
          <Background start={start!} end={end!} width={width} zone={zone} />
          <Loaded ranges={clock?.loaded_ranges ?? []} x={x} start={start!} end={end!} />
          <MarkerLayer markers={markers} start={start!} span={span} width={width} nameOf={nameOf} />
          {clock?.current_ms !== null && clock?.current_ms !== undefined && (
            <g data-testid="timeline-cursor" data-ms={clock.current_ms} data-x={x(clock.current_ms).toFixed(1)}>
              <line x1={x(clock.current_ms)} x2={x(clock.current_ms)} y1={0} y2={HEIGHT} stroke={COLORS.cursor} strokeWidth={1.5} />
              <path d={`M${x(clock.current_ms) - 5},0 L${x(clock.current_ms) + 5},0 L${x(clock.current_ms)},6 Z`} fill={COLORS.cursor} />
            </g>
          )}
        </svg>
      )}
      {span === null && <div className="empty" style={{ padding: '20px 12px' }}>No day open — press REPLAY or LIVE.</div>}
      {span !== null && <Legend />}
      {hover && (
        <div className="timeline-tip" style={{ left: Math.min(hover.x + 10, Math.max(0, width - 360)) }}>
          {formatTime(hover.ms, zone)} {ZONES[zone].label}
          {hover.marker && ` · ${hover.marker.kind}${hover.marker.reason ? ` ${hover.marker.reason}` : ''}${hover.marker.token_id ? ` ${nameOf(hover.marker.token_id)}` : ''}: ${hover.marker.label}`}
        </div>
      )}
    </div>
  );
}

const Legend = memo(function Legend() {
  const windows = Object.entries(WINDOW_COLORS).filter(([reason]) => reason !== 'MANUAL');
  return (
    <div className="timeline-legend" aria-hidden>
      {windows.map(([reason, color]) => (
        <span key={reason}>
          <i style={{ background: color }} />
          {reason.replace('_', ' ').toLowerCase()}
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

const Background = memo(function Background({ start, end, width, zone }: { start: number; end: number; width: number; zone: ZoneChoice }) {
  const ticks = useMemo(() => hourTicks(start, end, ZONES[zone].timeZone), [start, end, zone]);
  const span = end - start;
  const every = Math.max(1, Math.ceil(ticks.length / Math.max(1, width / 48)));
  return (
    <g>
      <rect x={0} y={ROW.loaded} width={width} height={4} fill="#161b22" />
      {ticks.map((ms, i) => {
        const x = ((ms - start) / span) * width;
        const labelled = i % every === 0;
        return (
          <g key={ms}>
            <line x1={x} x2={x} y1={labelled ? 12 : 14} y2={HEIGHT} stroke={COLORS.grid} strokeWidth={1} />
            {labelled && (
              <text x={x + 3} y={ROW.labels - 1} fill={COLORS.dim} fontSize={9.5} style={{ fontFamily: "var(--mono)" }}>
                {formatHourMinute(ms, zone)}
              </text>
            )}
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
        const mx = x(ms);
        const token = m.token_id ? nameOf(m.token_id) : undefined;
        const common = { 'data-testid': 'marker', 'data-kind': m.kind, 'data-ts': m.ts, 'data-token-label': token } as const;
        switch (m.kind) {
          case 'WINDOW': {
            const endMs = m.end_ts ? Date.parse(m.end_ts) : ms + 60_000;
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
function timelineRange(kind: SessionKind, clock: ClockView | null): [number | null, number | null] {
  if (!clock) return [null, null];
  if (kind === 'live' && clock.current_ms !== null && clock.station_id) {
    try {
      const station = getStation(clock.station_id);
      return localDayBoundsUtc(stationDate(clock.current_ms, station.id), station.timeZone);
    } catch {
      /* unknown station: fall back to the player's range */
    }
  }
  return [clock.start_ms, clock.end_ms];
}

/** Instants of whole local hours in [start, end] in `timeZone`. */
export function hourTicks(start: number, end: number, timeZone: string): number[] {
  const out: number[] = [];
  const step = 15 * 60_000;
  for (let ms = Math.ceil(start / step) * step; ms <= end; ms += step) {
    const offset = timeZone === 'UTC' ? 0 : utcOffsetMinutes(ms, timeZone);
    if ((((ms / 60_000 + offset) % 60) + 60) % 60 === 0) out.push(ms);
  }
  return out;
}
