import { ReplayCopy } from './src/services/replay/replay-copy';
import * as pw from 'parquet-wasm/node';
const w = () => ((pw as any).wasmMemory().buffer.byteLength / 1e6).toFixed(0);
const copies = [];
for (let i = 0; i < 5; i++) { copies.push(await ReplayCopy.open(process.env.F!)); console.log('open', i, 'wasm', w(), 'rss', (process.memoryUsage().rss/1e6).toFixed(0)); }
for (const c of copies) { await c.readBlocks(100, 4); console.log('read wasm', w()); }
