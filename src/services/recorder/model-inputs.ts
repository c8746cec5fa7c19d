/**
 * Model inputs: HELIOS `features_1m` and `nowcast_1m`, validated against the channel schemas and
 * correlated with the latest METAR until the next one (a correlation_id the model sends wins).
 */
import { describeZodError } from '../../shared/registry';
import type { PayloadOf } from '../../shared/schemas';
import type { SourceMessage } from '../sources/source';
import type { EventOutput } from './event-output';
import type { HealthSampler } from './health-sampler';
import { featuresPayload, nowcastPayload } from './input-schemas';

export class ModelInputs {
  constructor(
    private readonly out: EventOutput,
    private readonly health: HealthSampler,
    private readonly station: string,
    /** The latest METAR's event_id, null before the first. */
    private readonly latestMetar: () => string | null,
  ) {}

  onModel(message: Extract<SourceMessage, { kind: 'features' | 'nowcast' }>): void {
    const ch = message.kind === 'features' ? 'features_1m' : 'nowcast_1m';
    const schema = ch === 'features_1m' ? featuresPayload : nowcastPayload;
    const parsed = schema.safeParse(message.payload);
    if (!parsed.success) return this.out.reject(message, `${message.kind} payload: ${describeZodError(parsed.error)}`);
    this.health.seen(message.kind);
    const correlation = parsed.data.correlation_id ?? this.latestMetar();
    const payload = { ...parsed.data, station_id: this.station, ...(correlation ? { correlation_id: correlation } : {}) };
    this.out.record(ch, payload as PayloadOf<typeof ch>, false);
  }
}
