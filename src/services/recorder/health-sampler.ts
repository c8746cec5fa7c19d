/**
 * The recorder's `health` records (docs/spec.md §2): per-hop latency p99 over each interval, how long ago
 * each source last delivered, and the counters (reconnects, gaps, resyncs, rejected inputs) with
 * what the journal writer reports about itself.
 */
import type { SourceStatus } from '../sources/source';
import type { EventOutput } from './event-output';
import { round3 } from './market-triggers';
import { percentile } from './percentile';

/** What the journal writer reports into `health`. */
export interface WriterHealth {
  queue_depth: number;
  queue_bytes: number;
  flush_ms_p99: number;
  events_written: number;
  dropped: Record<string, number>;
  ingest_to_journal_ms_p99: number | null;
  /** Failed write attempts since start, and the failure going on now (null while writes succeed). */
  write_errors: number;
  write_failure: { code: string; message: string } | null;
}

const SOURCE_KINDS = ['clob', 'metar', 'pws', 'features', 'nowcast'] as const;
export type SourceKind = (typeof SOURCE_KINDS)[number];
const LATENCY_SAMPLE_CAP = 4096;

export class HealthSampler {
  private readonly lastSeen = new Map<SourceKind, number>();
  private readonly latencies = new Map<string, { values: number[]; seen: number }>();
  private readonly statuses = new Map<string, SourceStatus>();

  constructor(
    private readonly out: EventOutput,
    private readonly station: string,
    private readonly startMs: number,
    private readonly writerHealth?: () => WriterHealth,
  ) {}

  /** A source delivered something usable now (its staleness restarts from 0). */
  seen(kind: SourceKind): void {
    this.lastSeen.set(kind, this.out.now);
  }

  /** An upstream's connection state, as its source reports it. */
  status(status: SourceStatus): void {
    this.statuses.set(status.source, status);
  }

  /** Each upstream's latest reported state, by source name. */
  sources(): SourceStatus[] {
    return [...this.statuses.values()].sort((a, b) => a.source.localeCompare(b.source));
  }

  /** Latency samples of the current health interval; past the cap, a uniform reservoir sample. */
  sample(hop: string, ms: number): void {
    let s = this.latencies.get(hop);
    if (!s) this.latencies.set(hop, (s = { values: [], seen: 0 }));
    const value = Math.max(0, ms);
    if (s.values.length < LATENCY_SAMPLE_CAP) s.values.push(value);
    else {
      const j = Math.floor(Math.random() * (s.seen + 1));
      if (j < LATENCY_SAMPLE_CAP) s.values[j] = value;
    }
    s.seen++;
  }

  /** Record the interval's health and start the next interval's samples. */
  emit(): void {
    const out = this.out;
    const latency_ms: Record<string, number> = {};
    for (const [hop, samples] of this.latencies) {
      const p99 = percentile(samples.values, 0.99);
      if (p99 !== null) latency_ms[hop] = round3(p99);
    }
    this.latencies.clear();
    const writer = this.writerHealth?.();
    if (writer?.ingest_to_journal_ms_p99 != null) latency_ms.ingest_to_journal = round3(writer.ingest_to_journal_ms_p99);
    const staleness_s: Record<string, number> = {};
    for (const kind of SOURCE_KINDS) {
      staleness_s[kind] = round3((out.now - (this.lastSeen.get(kind) ?? this.startMs)) / 1000);
    }
    const stats = out.stats;
    out.record(
      'health',
      {
        station_id: this.station,
        latency_ms,
        staleness_s,
        reconnects: stats.reconnects,
        gaps: stats.gaps,
        resyncs: stats.resyncs,
        queue_depth: writer?.queue_depth ?? 0,
        queue_bytes: writer?.queue_bytes ?? 0,
        flush_ms_p99: round3(writer?.flush_ms_p99 ?? 0),
        events_written: writer?.events_written ?? 0,
        dropped: writer?.dropped ?? {},
        rejected: { ...stats.rejected },
        write_errors: writer?.write_errors ?? 0,
        write_error_code: writer?.write_failure?.code ?? null,
        write_error: writer?.write_failure?.message.slice(0, 2000) ?? null,
        sources: this.sources().map(({ source, state, detail }) => ({ source, state, detail })),
      },
      false,
    );
  }
}
