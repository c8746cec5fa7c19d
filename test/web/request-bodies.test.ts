/**
 * Issue #13 item 8: request bodies are refused before they are read when over the limit (413
 * naming it, not a connection reset), and concurrent large bodies do not add up in memory (4 ×
 * 250 MiB exports used to take the bridge to 4.8 GB): exports stream to their file, argument
 * bodies are small and share one budget.
 */
import { request } from 'node:http';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MAX_SNAPSHOT_BYTES } from '../../src/shared/api';
import { MAX_ARGS_BYTES } from '../../src/services/web/server';
import { startBridgeProcess, type BridgeProcess } from './bridge-process';

const MiB = 2 ** 20;
let bridge: BridgeProcess;

beforeAll(async () => {
  bridge = await startBridgeProcess({ live: false });
});

afterAll(async () => {
  await bridge?.stop();
});

interface Answer {
  status: number | 'reset';
  body: string;
  /** Body bytes the client had written when the answer (or the reset) came. */
  sent: number;
}

/**
 * POST a body of `prefix`, `fill` bytes of 'x' and `suffix`, streamed 1 MiB at a time with
 * backpressure; `chunked` leaves out Content-Length. Stops sending once the answer is in.
 */
function post(path: string, { prefix = '', fill, suffix = '', chunked = false }: { prefix?: string; fill: number; suffix?: string; chunked?: boolean }): Promise<Answer> {
  return new Promise((resolve) => {
    const total = Buffer.byteLength(prefix) + fill + Buffer.byteLength(suffix);
    let sent = 0;
    let answered = false;
    const req = request(
      {
        host: '127.0.0.1',
        port: bridge.port,
        path,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': total }) },
      },
      (res) => {
        answered = true;
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode!, body, sent });
          req.destroy();
        });
      },
    );
    req.on('error', () => {
      if (!answered) resolve({ status: 'reset', body: '', sent });
    });
    const chunk = Buffer.alloc(MiB, 'x');
    let left = fill;
    const pump = () => {
      if (sent === 0 && prefix) sent += write(prefix);
      while (left > 0 && !answered) {
        const n = Math.min(left, MiB);
        left -= n;
        const ok = req.write(chunk.subarray(0, n));
        sent += n;
        if (!ok) return void req.once('drain', pump);
      }
      if (!answered && left === 0) {
        if (suffix) sent += write(suffix);
        req.end();
      }
    };
    const write = (text: string) => (req.write(text), Buffer.byteLength(text));
    pump();
  });
}

test('a body over the limit is answered 413 naming the limit, before it is read — not reset', async () => {
  const declared = await post('/api/saveSnapshot?name=big.json', { fill: 300 * MiB });
  expect(declared.status).toBe(413);
  expect(JSON.parse(declared.body)).toEqual({
    error: `saveSnapshot: request body over the limit of ${MAX_SNAPSHOT_BYTES} bytes (256 MiB)`,
    limit_bytes: MAX_SNAPSHOT_BYTES,
  });
  // Answered on the headers: the client had sent only a fraction of the 300 MiB.
  expect(declared.sent).toBeLessThan(100 * MiB);

  const chunked = await post('/api/saveSnapshot?name=big.json', { fill: MAX_SNAPSHOT_BYTES + MiB, chunked: true });
  expect(chunked.status).toBe(413);
  expect(JSON.parse(chunked.body).limit_bytes).toBe(MAX_SNAPSHOT_BYTES);

  const args = await post('/api/readManifest', { prefix: '[{"station_id":"KLGA","date":"', fill: 2 * MiB, suffix: '"}]' });
  expect(args.status).toBe(413);
  expect(JSON.parse(args.body)).toEqual({ error: `readManifest: request body over the limit of ${MAX_ARGS_BYTES} bytes (1 MiB)`, limit_bytes: MAX_ARGS_BYTES });

  // Nothing half-written stays behind, and the bridge keeps serving.
  expect(readdirSync(join(bridge.dataRoot, 'exports'))).toEqual([]);
  const ok = await post('/api/getInfo', { fill: 0, prefix: '[]' });
  expect(ok.status).toBe(200);
}, 120_000);

test('4 × 250 MiB snapshot exports at once: all saved, memory stays flat', async () => {
  const contents = 250 * MiB;
  const answers = await Promise.all(Array.from({ length: 4 }, () => post('/api/saveSnapshot?name=big.json', { prefix: '"', fill: contents - 2, suffix: '"' })));
  const peak = bridge.peakRssBytes();
  console.log(`4 × 250 MiB exports at once: statuses ${answers.map((a) => a.status).join(',')}, bridge peak RSS ${(peak / MiB).toFixed(0)} MiB`);
  for (const a of answers) expect(a.status).toBe(200);
  const exportsDir = join(bridge.dataRoot, 'exports');
  const files = readdirSync(exportsDir).sort();
  expect(files).toEqual(['big-1.json', 'big-2.json', 'big-3.json', 'big.json']);
  for (const f of files) expect(statSync(join(exportsDir, f)).size).toBe(contents);
  // The bodies stream to their files: none of them is ever held whole.
  expect(peak).toBeLessThan(400 * MiB);
}, 300_000);

test('an export that is not UTF-8 text is refused and leaves no file', async () => {
  const before = readdirSync(join(bridge.dataRoot, 'exports')).length;
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path: '/api/saveSnapshot?name=bad.json', method: 'POST' }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end(Buffer.from([0x7b, 0xff, 0x7d]));
  });
  expect(answer).toEqual({ status: 400, body: JSON.stringify({ error: 'saveSnapshot: the body is not UTF-8 text' }) });
  expect(readdirSync(join(bridge.dataRoot, 'exports'))).toHaveLength(before);
});
