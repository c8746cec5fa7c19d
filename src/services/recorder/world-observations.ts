/**
 * World observations: METAR/SPECI reports (each new report once, parsed, a METAR window that
 * starts a correlation) and the PWS cluster (robust summary, QC window on OUTLIER_LIKELY, STALE
 * when the feed goes silent, station ids at key points).
 */
import { stamp } from '../../shared/envelope';
import { decodeMetarReport } from '../../shared/metar';
import { describeZodError } from '../../shared/registry';
import { CURRENT_SCHEMAS } from '../../shared/schemas';
import { toUtcIso } from '../../shared/time';
import type { PwsReading, SourceMessage } from '../sources/source';
import type { RecordingConfig } from './config';
import type { EventOutput } from './event-output';
import type { HealthSampler } from './health-sampler';
import { pwsReading } from './input-schemas';
import { PwsClusterTracker, type ClusterUpdate } from './pws-cluster';
import type { WindowTriggers } from './window-policy';

type Message<K extends SourceMessage['kind']> = Extract<SourceMessage, { kind: K }>;

/** Station and `ddhhmmZ` time group; the decoder alone would accept e.g. "KLGA 2917". */
const METAR_HEAD = /^(?:(?:METAR|SPECI)\s+)?(?:COR\s+)?[A-Z][A-Z0-9]{3}\s+\d{6}Z(?:\s|$)/;

export class WorldObservations {
  /** The latest METAR's event_id: the correlation of the model outputs that follow it. */
  lastMetarCorrelation: string | null = null;
  private readonly seenMetars = new Set<string>();
  private readonly pws: PwsClusterTracker;
  private pwsStaleCheckedAt: number | null = null;
  private pwsIdsDue = true;

  constructor(
    private readonly out: EventOutput,
    private readonly health: HealthSampler,
    private readonly windows: WindowTriggers,
    config: RecordingConfig,
    private readonly station: string,
    /** Reports already recorded (a restart mid-day): the next poll's repeats of them are not new. */
    recorded: readonly string[] = [],
  ) {
    this.pws = new PwsClusterTracker(config.pws);
    for (const raw of recorded) this.seenMetars.add(raw);
  }

  onMetar(message: Message<'metar'>): void {
    const out = this.out;
    if (typeof message.raw !== 'string' || !METAR_HEAD.test(message.raw.trim())) {
      return out.reject(message, 'not a METAR/SPECI: expected "[METAR|SPECI] [COR] CCCC ddhhmmZ …"');
    }
    let decoded;
    try {
      decoded = decodeMetarReport(message.raw, message.received_ms);
    } catch (e) {
      return out.reject(message, (e as Error).message);
    }
    const payload = decoded.payload;
    if (payload.station_id !== this.station) {
      return out.reject(message, `METAR of ${payload.station_id}, recording ${this.station}`);
    }
    if (this.seenMetars.has(payload.raw)) {
      out.stats.duplicate_metars++;
      return;
    }
    this.health.seen('metar');
    this.health.sample('metar_to_ingest', message.received_ms - decoded.obs_time_ms);
    const event = stamp('metar_obs', { ...payload, qc: 'OK' }, out.now);
    const valid = CURRENT_SCHEMAS.metar_obs.safeParse(event);
    if (!valid.success) return out.reject(message, `METAR decoded to an invalid record: ${describeZodError(valid.error)}`);
    this.seenMetars.add(payload.raw);
    const w = this.windows.metar(out.now, `${payload.report_type} ${payload.raw}`, event.event_id);
    (event as { window_id?: string }).window_id = w.window_id;
    out.emit(event);
    this.lastMetarCorrelation = event.event_id;
    this.pwsIdsDue = true;
  }

  onPws(message: Message<'pws'>): void {
    const valid: PwsReading[] = [];
    const bad: string[] = [];
    for (const [i, r] of (Array.isArray(message.readings) ? message.readings : []).entries()) {
      const parsed = pwsReading.safeParse(r);
      if (parsed.success) valid.push(parsed.data);
      else bad.push(`reading ${i}: ${describeZodError(parsed.error)}`);
    }
    if (!Array.isArray(message.readings)) bad.push('readings: expected an array');
    if (bad.length > 0) this.out.reject(message, `PWS batch: ${bad.join('; ')}`);
    if (valid.length === 0) return;
    this.health.seen('pws');
    this.health.sample('pws_to_ingest', message.received_ms - Math.max(...valid.map((r) => r.obs_time_ms)));
    const previous = this.pws.lastUpdate?.qc_state ?? null;
    const update = this.pws.update(valid, this.out.now);
    if (!update) {
      this.out.stats.ignored++;
      return;
    }
    if (update.qc_state === 'OUTLIER_LIKELY' && previous !== 'OUTLIER_LIKELY') this.windows.qc(this.out.now, update.detail);
    this.emitCluster(update, previous);
  }

  /** When the cluster may have gone stale with no reading arriving (a cadence instant), Infinity if it cannot. */
  get staleDueMs(): number {
    const last = this.pws.lastUpdate;
    const at = this.pws.staleAt();
    if (!last || last.qc_state === 'STALE' || at === null) return Infinity;
    const due = Math.max(at + 1, this.out.now);
    return due === this.pwsStaleCheckedAt ? Infinity : due;
  }

  /** At `staleDueMs`: a STALE record if every reading has aged out. */
  checkStale(atMs: number): void {
    this.pwsStaleCheckedAt = atMs;
    const update = this.pws.checkStale(atMs);
    if (update) this.emitCluster(update);
  }

  private emitCluster(update: ClusterUpdate, previous: string | null = null): void {
    const keyPoint = this.pwsIdsDue || update.qc_state !== previous;
    this.pwsIdsDue = false;
    this.out.record('pws_cluster', {
      station_id: this.station,
      obs_time_utc: toUtcIso(update.obs_time_ms),
      median: update.median,
      mad: update.mad,
      support: update.support,
      qc_state: update.qc_state,
      pws_ids: keyPoint ? update.pws_ids : null,
    });
  }
}
