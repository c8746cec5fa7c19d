/**
 * The built recorder process (out/main/live-process.js, what Electron's utilityProcess runs), run
 * under plain Node with `process.parentPort` shimmed over child-process IPC: proves the bundle
 * loads its externals (DuckDB native, zod…) and records, serves a subscription and stops cleanly.
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

const bundle = join(import.meta.dirname, '../../out/main/live-process.js');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helios-bundle-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('built recorder process', () => {
  it('exists (npx electron-vite build)', () => {
    expect(existsSync(bundle)).toBe(true);
  });

  it('starts recording, serves a live subscription batched, and stops on request', async () => {
    const shim = join(dir, 'parent-port-shim.mjs');
    await writeFile(
      shim,
      `process.parentPort = {
         on: (event, listener) => process.on(event, (data) => listener({ data })),
         postMessage: (message) => process.send(message),
       };
       await import(${JSON.stringify(pathToFileURL(bundle).href)});`,
    );
    const child = fork(shim, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    let stderr = '';
    child.stderr!.on('data', (c) => (stderr += c));
    const received: FromLiveProcess[] = [];
    child.on('message', (m) => received.push(m as FromLiveProcess));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const send = (m: ToLiveProcess) => child.send(m);

    const [dayStart] = localDayBoundsUtc('2026-01-29', 'America/New_York');
    const root = join(dir, 'data');
    send({ type: 'start', options: { data_root: root, station: 'KLGA', start_ms: dayStart + 60_000, compact_every_ms: 3_600_000 } });
    send({ type: 'subscribe', id: 1, groups: ['l2', 'health'] });
    await vi.waitFor(
      () => {
        expect(received.find((m) => m.type === 'failed')).toBeUndefined();
        expect(received).toContainEqual({ type: 'ready', station_id: 'KLGA' });
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
    expect(stderr).not.toMatch(/Error|error/);
  }, 60_000);
});
