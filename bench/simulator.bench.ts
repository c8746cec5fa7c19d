/**
 * `npm run bench -- simulator`
 *
 * How fast the simulator synthesizes a whole KLGA day (8 tokens, 24 h), against a baseline run in
 * the same process: JSON.stringify of the very same messages (what a journal pays per message
 * anyway). Also the fast-forward a SimulatorSource does before a mid-day start (state only, no
 * messages). Goal: the day's messages in well under 5 s.
 */
import { performance } from 'node:perf_hooks';
import { simulateDay } from '../src/services/sources/simulator/simulate-day';
import { localDayBoundsUtc } from '../src/shared/time';

const DATE = '2026-01-29';
const ROUNDS = 3;
const [, dayEnd] = localDayBoundsUtc(DATE, 'America/New_York');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
}

/** CPU time of this process in ms: on a shared, loaded machine wall time overstates the cost. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

function generateOnly(seed: number): { ms: number; cpu: number; count: number } {
  const t0 = performance.now();
  const c0 = cpuMs();
  let count = 0;
  for (const m of simulateDay({ date: DATE, seed })) if (m) count++;
  return { ms: performance.now() - t0, cpu: cpuMs() - c0, count };
}

function generateAndStringify(seed: number): { ms: number; bytes: number } {
  const t0 = performance.now();
  let bytes = 0;
  for (const m of simulateDay({ date: DATE, seed })) bytes += JSON.stringify(m).length;
  return { ms: performance.now() - t0, bytes };
}

function fastForward(seed: number): number {
  const t0 = performance.now();
  for (const m of simulateDay({ date: DATE, seed, from: dayEnd - 1 })) void m;
  return performance.now() - t0;
}

generateOnly(99); // warm up the JIT
const gen: number[] = [];
const genCpu: number[] = [];
const both: number[] = [];
const ff: number[] = [];
let count = 0;
let bytes = 0;
for (let r = 0; r < ROUNDS; r++) {
  const g = generateOnly(1);
  gen.push(g.ms);
  genCpu.push(g.cpu);
  count = g.count;
  const b = generateAndStringify(1);
  both.push(b.ms);
  bytes = b.bytes;
  ff.push(fastForward(1));
}
const genMs = median(gen);
const stringifyMs = Math.max(1, median(both) - genMs);
console.log(`whole day ${DATE}, 8 tokens: ${count.toLocaleString('en-US')} messages, ${(bytes / 1e6).toFixed(0)} MB as JSON`);
console.log(`  generate (simulateDay):          ${(genMs / 1000).toFixed(2)} s wall, ${(median(genCpu) / 1000).toFixed(2)} s CPU  (${Math.round(count / (genMs / 1000)).toLocaleString('en-US')} msg/s)`);
console.log(`  baseline JSON.stringify of them: ${(stringifyMs / 1000).toFixed(2)} s`);
console.log(`  ratio generate / stringify:      ${(genMs / stringifyMs).toFixed(2)}x`);
console.log(`  fast-forward the day (no msgs):  ${(median(ff) / 1000).toFixed(2)} s  (${(median(ff) / genMs).toFixed(2)}x of generating it)`);
const cpu = median(genCpu);
console.log(`  goal: the day's messages in < 5 s → ${cpu < 5000 ? 'met' : 'NOT met'} on CPU time${genMs > 1.5 * cpu ? ` (wall ${(genMs / 1000).toFixed(1)} s: this process got ${Math.round((100 * cpu) / genMs)}% of a core — the machine is busy)` : ''}`);
