import { ReplayCopy } from './src/services/replay/replay-copy';
import { CHANNELS } from './src/shared/channels';
import * as pw from 'parquet-wasm/node';
const rss = () => (process.memoryUsage().rss / 1e6).toFixed(0);
console.log('start', rss());
const days = (process.env.DAYS ?? '2026-01-24,2026-01-25,2026-01-26,2026-01-27,2026-01-28').split(',');
let peak = 0;
const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
const each = async (d: string) => {
  const copy = await ReplayCopy.open(`${process.env.F ?? `/tmp/helios-serve-bench/parquet/station=KLGA/date=${d}/_replay-v1.parquet`}`);
  const ev = copy.events(0, new Set(CHANNELS));
  for (;;) { const b = await ev.next(Infinity, { maxEvents: 5000, maxBytes: 1 << 20 }); if (b.count === 0) break; await new Promise((r) => setTimeout(r, 1)); }
  await ev.close(); copy.close();
};
if (process.env.SEQ) { for (const d of days) await each(d); } else await Promise.all(days.map(each));
clearInterval(timer);
const m = process.memoryUsage();
console.log('peak', (peak / 1e6).toFixed(0), 'end rss', rss(), 'heap', (m.heapUsed / 1e6).toFixed(0), 'ext', (m.external / 1e6).toFixed(0), 'ab', (m.arrayBuffers / 1e6).toFixed(0), 'wasm', ((pw as any).wasmMemory().buffer.byteLength / 1e6).toFixed(0));
