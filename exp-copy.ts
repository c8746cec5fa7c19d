import { DuckDBInstance } from '@duckdb/node-api';
import { DataRoot } from './src/services/data-root';
import { dayParquetFiles } from './src/services/replay/node-event-source';
import { buildReplayCopy, ReplayCopy } from './src/services/replay/replay-copy';
import { CHANNELS } from './src/shared/channels';
const root = new DataRoot('/tmp/helios-serve-bench');
const day = { station_id: 'KLGA', date: '2026-01-28' };
const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
const files = await dayParquetFiles(root, day, await root.readManifest(day));
const path = '/tmp/exp/copy.parquet';
if (process.argv[2] === 'build') {
  const t0 = performance.now();
  console.log(await buildReplayCopy(instance, files, path), ((performance.now() - t0) / 1000).toFixed(1), 's', 'rss', (process.memoryUsage().rss / 1e6).toFixed(0));
}
const t0 = performance.now();
const copy = await ReplayCopy.open(path);
const ev = copy.events(0, new Set(CHANNELS));
let n = 0, bytes = 0;
for (;;) { const b = await ev.next(Infinity, { maxEvents: 5000, maxBytes: 1 << 20 }); if (b.count === 0) break; n += b.count; for (const p of b.json) bytes += p.length; }
const ms = performance.now() - t0;
console.log('read', n, Math.round(n / ms * 1000), '/s', (bytes / ms / 1000).toFixed(0), 'MB/s rss', (process.memoryUsage().rss / 1e6).toFixed(0));
