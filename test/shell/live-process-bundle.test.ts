/**
 * The built recorder and demo-day processes (out/main/live-process.js and demo-process.js, what
 * Electron's utilityProcess runs), run under plain Node with `process.parentPort` shimmed over
 * child-process IPC: proves the bundles load their externals (DuckDB native, zod…), that the
 * recorder records, serves a subscription and stops cleanly, and that the bundled compactor finds
 * its validator worker (out/main/validate-worker.js) instead of validating on the calling thread.
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localDayBoundsUtc } from '../../src/shared/time';
import type { FromLiveProcess, ToLiveProcess } from '../../src/main/live-messages';
import type { FromDemoProcess, ToDemoProcess } from '../../src/main/demo-worker';

const bundle = join(import.meta.dirname, '../../out/main/live-process.js');
const demoBundle = join(import.meta.dirname, '../../out/main/demo-process.js');

/** Fork a built utility-process entry under Node, with `process.parentPort` over child IPC. */
async function forkBuilt(entry: string, name: string) {
  const shim = join(dir, `${name}-parent-port-shim.mjs`);
  await writeFile(
    shim,
    `process.parentPort = {
       on: (event, listener) => process.on(event, (data) => listener({ data })),
       postMessage: (message) => process.send(message),
     };
     await import(${JSON.stringify(pathToFileURL(entry).href)});`,
  );
  return fork(shim, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
}
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helios-bundle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Fork a built process, collecting its messages, its stderr and its exit code. */
async function startBuilt<M>(file: string, kind: Parameters<typeof forkBuilt>[1]) {
  const child = await forkBuilt(file, kind);
  let stderr = '';
  child.stderr!.on('data', (c) => (stderr += c));
  const received: M[] = [];
  child.on('message', (m) => received.push(m as M));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return { child, received, exited, stderr: () => stderr };
}

describe('built recorder process', () => {
  it('exists (npx electron-vite build)', () => {
    expect(existsSync(bundle)).toBe(true);
  });

  it('starts recording, serves a live subscription batched, and stops on request', async () => {
    const { child, received, exited, stderr } = await startBuilt<FromLiveProcess>(bundle, 'live');
    const send = (m: ToLiveProcess) => child.send(m);

    const [dayStart] = localDayBoundsUtc('2026-01-29', 'America/New_York');
    const root = join(dir, 'data');
    send({ type: 'start', options: { data_root: root, station: 'KLGA', start_ms: dayStart + 60_000, compact_every_ms: 3_600_000 } });
    send({ type: 'subscribe', id: 1, groups: ['l2', 'health'] });
    await vi.waitFor(
      () => {
        expect(received.find((m) => m.type === 'failed')).toBeUndefined();
        expect(received).toContainEqual({ type: 'ready', station_id: 'KLGA', sources: expect.objectContaining({ kind: 'simulator', error: null }) });
        const batches = received.filter((m): m is Extract<FromLiveProcess, { type: 'batch' }> => m.type === 'batch');
        const messages = batches.flatMap((b) => b.messages);
        expect(messages[0]).toMatchObject({ type: 'hello', mode: 'live', station_id: 'KLGA', groups: ['l2', 'health'] });
        expect(messages.some((m) => m.type === 'events' && m.events.some((e) => e.ch === 'l2_snap_1s'))).toBe(true);
      },
      { timeout: 30_000, interval: 200 },
    );
    send({ type: 'stop' });
    expect(await exited).toBe(0);
    expect(received.at(-1)).toEqual({ type: 'stopped' });
    expect(await readdir(join(root, 'journal', 'station=KLGA'))).toEqual(['date=2026-01-29']);
    expect(stderr()).not.toMatch(/Error|error/);
  }, 60_000);
});

describe('built demo-day process', () => {
  it('synthesizes and compacts a day, validating on a worker thread (the bundle ships validate-worker.js)', async () => {
    expect(existsSync(join(import.meta.dirname, '../../out/main/validate-worker.js'))).toBe(true);
    const { child, received, exited, stderr } = await startBuilt<FromDemoProcess>(demoBundle, 'demo');
    const root = join(dir, 'demo-data');
    child.send({ type: 'synthesize', data_root: root, hours: [12, 12.05] } satisfies ToDemoProcess);
    expect(await exited).toBe(0);
    const progress = received.flatMap((m) => (m.type === 'progress' ? [m.message] : []));
    expect(received.at(-1)).toMatchObject({ type: 'done', result: { created: true, station_id: 'KLGA' } });
    expect(progress).toContainEqual(expect.stringMatching(/^compacted in [\d.]+ s, validated on [1-9]\d* worker thread\(s\)$/));
    expect(progress.filter((m) => /warning|inline/.test(m))).toEqual([]);
    expect(stderr()).not.toMatch(/Error|error/);
  }, 60_000);
});
