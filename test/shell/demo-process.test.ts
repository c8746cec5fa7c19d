import { EventEmitter } from 'node:events';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { DataRoot } from '../../src/services/data-root';
import type { DemoResult } from '../../src/services/demo';
import { isEmptyDataRoot, synthesizeDemoDay, type DemoChild } from '../../src/main/demo-host';
import { runDemoWorker, type FromDemoProcess, type ToDemoProcess } from '../../src/main/demo-worker';

const RESULT: DemoResult = { created: true, station_id: 'KLGA', date: '2026-01-28', elapsed_ms: 10, events_written: 1000 };

describe('demo day process', () => {
  it('synthesizes once with force (main decided the root was empty), reports progress, exits', async () => {
    const port = new EventEmitter();
    const posted: FromDemoProcess[] = [];
    const exit = vi.fn();
    const ensure = vi.fn(async (_root: string, options: { onProgress?: (m: string) => void }) => {
      options.onProgress?.('synthesizing KLGA 2026-01-28 (8 tokens)…');
      return RESULT;
    });
    runDemoWorker({ on: (e, l) => port.on(e, l), postMessage: (m) => void posted.push(m) }, ensure, exit);
    port.emit('message', { data: { type: 'synthesize', data_root: '/data' } satisfies ToDemoProcess });
    port.emit('message', { data: { type: 'synthesize', data_root: '/data' } satisfies ToDemoProcess });
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(0));
    expect(ensure).toHaveBeenCalledOnce();
    expect(ensure).toHaveBeenCalledWith('/data', expect.objectContaining({ force: true }));
    expect(posted).toEqual([
      { type: 'progress', message: 'synthesizing KLGA 2026-01-28 (8 tokens)…' },
      { type: 'done', result: RESULT },
    ]);
  });

  it('reports a failure with its reason', async () => {
    const port = new EventEmitter();
    const posted: FromDemoProcess[] = [];
    const exit = vi.fn();
    runDemoWorker({ on: (e, l) => port.on(e, l), postMessage: (m) => void posted.push(m) }, async () => {
      throw new Error('journal already holds a journal; refusing to mix a demo day into it');
    }, exit);
    port.emit('message', { data: { type: 'synthesize', data_root: '/data' } });
    await vi.waitFor(() => expect(exit).toHaveBeenCalledWith(1));
    expect(posted).toEqual([{ type: 'failed', message: 'journal already holds a journal; refusing to mix a demo day into it' }]);
  });
});

class FakeDemoChild extends EventEmitter implements DemoChild {
  received: ToDemoProcess[] = [];
  killed = false;
  postMessage(m: ToDemoProcess) {
    this.received.push(m);
  }
  kill() {
    this.killed = true;
    this.emit('exit', 15);
    return true;
  }
  override on(event: string, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }
}

describe('demo day host (main)', () => {
  it('asks the process once spawned and resolves with the day it made', async () => {
    const child = new FakeDemoChild();
    const logs: string[] = [];
    const run = synthesizeDemoDay({ fork: () => child, dataRoot: '/data', log: (_l, m) => logs.push(m) });
    child.emit('spawn');
    expect(child.received).toEqual([{ type: 'synthesize', data_root: '/data' }]);
    child.emit('message', { type: 'progress', message: 'recorded up to 12:00Z' });
    child.emit('message', { type: 'done', result: RESULT });
    child.emit('exit', 0);
    expect(await run.done).toEqual(RESULT);
    expect(logs).toEqual(['demo: recorded up to 12:00Z']);
  });

  it('resolves null when the process dies or is cancelled on quit', async () => {
    const crashed = new FakeDemoChild();
    const logs: string[] = [];
    const run = synthesizeDemoDay({ fork: () => crashed, dataRoot: '/data', log: (_l, m) => logs.push(m) });
    crashed.emit('exit', 134);
    expect(await run.done).toBeNull();
    expect(logs).toEqual(['demo process exited (code 134) before finishing']);

    const cancelled = new FakeDemoChild();
    const run2 = synthesizeDemoDay({ fork: () => cancelled, dataRoot: '/data', log: () => {} });
    run2.cancel();
    expect(cancelled.killed).toBe(true);
    expect(await run2.done).toBeNull();
  });

  it('survives the fatal-error event of a dying demo process', async () => {
    const child = new FakeDemoChild();
    const logs: string[] = [];
    const run = synthesizeDemoDay({ fork: () => child, dataRoot: '/data', log: (_l, m) => logs.push(m) });
    expect(() => child.emit('error', 'FatalError', 'heap limit')).not.toThrow();
    child.emit('exit', 134);
    expect(await run.done).toBeNull();
    expect(logs).toEqual(['demo process: FatalError at heap limit', 'demo process exited (code 134) before finishing']);
  });

  it('treats a folder as new only when nothing was ever recorded or compacted in it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'helios-demo-'));
    const root = new DataRoot(dir);
    expect(await isEmptyDataRoot(root)).toBe(true);
    await mkdir(root.journalDir({ station_id: 'KLGA', date: '2026-01-29' }), { recursive: true });
    expect(await isEmptyDataRoot(root)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });
});
