/**
 * The server's replay copies (`replay-copy.ts`): a closed day's copy is opened when it exists, and
 * built in the background the first time the day is replayed without one (one build at a time, so
 * serving never waits on it; until it is there, that day streams through `DayStream`). An open
 * day has no copy: its Parquet still changes with every compaction pass.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { DayRef } from '../../shared/api';
import type { Manifest } from '../../shared/manifest';
import type { DataRoot } from '../data-root';
import { dayParquetFiles } from './node-event-source';
import { buildReplayCopy, REPLAY_COPY_FILE, ReplayCopy } from './replay-copy';

export class ReplayCopies {
  private building: Promise<void> = Promise.resolve();
  private readonly queued = new Set<string>();
  private readonly stop = new AbortController();

  constructor(
    private readonly root: DataRoot,
    private readonly instance: DuckDBInstance,
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Where the copy of the day's manifest generation lives. */
  async path(day: DayRef, manifest: Manifest): Promise<string> {
    return join(await this.root.generationFolder(day, manifest.generation), REPLAY_COPY_FILE);
  }

  /** The day's copy, or null (and, for a closed day, its build queued). */
  async open(day: DayRef, manifest: Manifest): Promise<ReplayCopy | null> {
    if (!manifest.closed) return null;
    const path = await this.path(day, manifest);
    if (existsSync(path)) {
      try {
        return await ReplayCopy.open(path);
      } catch (e) {
        this.log(`replay copy ${path} unreadable (${(e as Error).message}); building it again`);
      }
    }
    this.queue(day, manifest, path);
    return null;
  }

  /** Build the day's copy now (after any build already queued); resolves once it is in place. */
  async ensure(day: DayRef, manifest: Manifest): Promise<void> {
    const path = await this.path(day, manifest);
    if (this.queued.has(path) || !existsSync(path)) await this.queue(day, manifest, path);
  }

  /** Abandon the build under way and those queued; resolves once the one under way has stopped. */
  async close(): Promise<void> {
    this.stop.abort();
    await this.building;
  }

  private queue(day: DayRef, manifest: Manifest, path: string): Promise<void> {
    if (this.queued.has(path) || this.stop.signal.aborted) return this.building;
    this.queued.add(path);
    this.building = this.building.then(async () => {
      if (this.stop.signal.aborted) return;
      const started = performance.now();
      try {
        const built = await buildReplayCopy(this.instance, await dayParquetFiles(this.root, day, manifest), path, { signal: this.stop.signal });
        this.log(`replay copy of ${day.station_id} ${day.date}: ${built.events} events in ${built.blocks} blocks, ${((performance.now() - started) / 1000).toFixed(1)} s`);
      } catch (e) {
        if (!this.stop.signal.aborted) this.log(`replay copy of ${day.station_id} ${day.date} not built: ${(e as Error).message}`);
      } finally {
        this.queued.delete(path);
      }
    });
    return this.building;
  }
}
