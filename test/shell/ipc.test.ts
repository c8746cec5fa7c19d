import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { API_ARGS } from '../../src/shared/api';
import type { Manifest } from '../../src/shared/manifest';
import { localDataAccess } from '../../src/services/data-access';
import { createDataApi } from '../../src/services/api-data';
import { createSweepApi } from '../../src/services/sweep/sweep-jobs';
import { DataRoot } from '../../src/services/data-root';
import { createInvokeHandlers, createLiveHandlers, registerIpc, UNTRUSTED_SENDER, type IpcEventLike, type ShellServices } from '../../src/main/ipc';
import { INVOKE_OPERATIONS, invokeChannel, LIVE_BATCH, LIVE_SUBSCRIBE, LIVE_UNSUBSCRIBE } from '../../src/shared/ipc-contract';

const DAY = { station_id: 'KLGA', date: '2026-01-29' };
const PARQUET = Buffer.from('PAR1-fake-bytes-PAR1');
let base: string;
let root: DataRoot;

const manifest: Manifest = {
  manifest_version: 2,
  generation: 0,
  closed: true,
  station_id: 'KLGA',
  date: '2026-01-29',
  time_zone: 'America/New_York',
  day_start_utc: '2026-01-29T05:00:00.000Z',
  day_end_utc: '2026-01-30T05:00:00.000Z',
  generated_at: '2026-01-30T06:00:00.000Z',
  totals: { lines_read: 3, blank_lines: 0, events_written: 3, duplicates_dropped: 0, quarantined: 0, upgraded: 0 },
  markets: [],
  channels: {
    metar_obs: {
      rows: 3,
      min_ts: '2026-01-29T05:51:00.000Z',
      max_ts: '2026-01-29T07:51:00.000Z',
      bytes: PARQUET.length,
      schema_versions: { '1': 3 },
      parts: [{ part: 0, file: 'ch=metar_obs/part-0000.parquet', rows: 3, bytes: PARQUET.length }],
      row_groups: [],
    },
  },
  tokens: [],
  markers: [],
};

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'helios-ipc-'));
  root = new DataRoot(join(base, 'data'));
  await mkdir(join(root.parquetDayDir(DAY), 'ch=metar_obs'), { recursive: true });
  await writeFile(root.manifestFile(DAY), JSON.stringify(manifest));
  await writeFile(join(root.parquetDayDir(DAY), 'ch=metar_obs', 'part-0000.parquet'), PARQUET);
  // a symlink inside the root that points outside it
  await writeFile(join(base, 'outside.parquet'), 'secret outside the root');
  await mkdir(join(root.parquetDayDir(DAY), 'ch=tape_trades'), { recursive: true });
  await symlink(join(base, 'outside.parquet'), join(root.parquetDayDir(DAY), 'ch=tape_trades', 'part-0000.parquet'));
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const TRUSTED_ID = 7;
const trusted = new Set([TRUSTED_ID]);

function event(overrides: Partial<{ id: number; url: string; parent: unknown; noFrame: boolean }> = {}) {
  const sent: unknown[][] = [];
  const e: IpcEventLike = {
    sender: { id: overrides.id ?? TRUSTED_ID, send: (...args: unknown[]) => void sent.push(args) },
    senderFrame: overrides.noFrame ? null : { url: overrides.url ?? 'app://helios/index.html', parent: overrides.parent ?? null },
  };
  return { e, sent };
}

const SOURCES_VIEW = { choice: { kind: 'simulator' as const }, secrets_stored: [], secret_storage: 'x', can_store_secrets: true, live: null };

function services(overrides: Partial<ShellServices> = {}): ShellServices {
  return {
    info: () => ({ version: '0.1.0', shell: 'electron', data_root: root.root, server: null, live_available: true, live_station_id: 'KLGA' }),
    data: createDataApi(() => localDataAccess(root)),
    sweeps: createSweepApi(() => root),
    saveSnapshot: vi.fn(async () => ({ saved: true, path: '/tmp/x.json' })),
    openSnapshot: vi.fn(async () => null),
    chooseDataRoot: vi.fn(async () => null),
    saveExport: vi.fn(async () => ({ saved: true, path: '/tmp/x' })),
    recompactDay: vi.fn(async () => ({ summary: 'compacted again' })),
    connectServer: vi.fn(async () => { throw new Error('no server in this test'); }),
    getSources: vi.fn(async () => SOURCES_VIEW),
    setSources: vi.fn(async () => SOURCES_VIEW),
    live: { subscribe: vi.fn(), unsubscribe: vi.fn() },
    ...overrides,
  };
}

describe('IPC invoke handlers', () => {
  const handlers = () => createInvokeHandlers(services(), trusted, () => {});

  it('cover every HeliosApi request operation and nothing else', () => {
    expect([...INVOKE_OPERATIONS].sort()).toEqual(Object.keys(API_ARGS).sort());
    expect(Object.keys(handlers()).sort()).toEqual([...INVOKE_OPERATIONS].sort());
  });

  it('answer our own window with data from the data root', async () => {
    const h = handlers();
    const days = await h.listDays(event().e, []);
    expect(days).toMatchObject({ ok: true, value: [{ station_id: 'KLGA', date: '2026-01-29', rows: { metar_obs: 3 } }] });
    expect(await h.readManifest(event().e, [DAY])).toMatchObject({ ok: true, value: { station_id: 'KLGA' } });
    const bytes = await h.readParquet(event().e, [{ ...DAY, ch: 'metar_obs' }]);
    expect(bytes).toEqual({ ok: true, value: new Uint8Array(PARQUET) });
    const range = await h.readParquet(event().e, [{ ...DAY, ch: 'metar_obs', offset: 4, length: 4 }]);
    expect(range).toEqual({ ok: true, value: new Uint8Array(PARQUET.subarray(4, 8)) });
  });

  it.each([
    ['a subframe', { parent: {} }],
    ['another origin', { url: 'https://evil.example/index.html' }],
    ['a file:// page', { url: 'file:///tmp/index.html' }],
    ['app:// with another host', { url: 'app://evil/index.html' }],
    ['a webContents that is not ours', { id: 99 }],
    ['a destroyed frame', { noFrame: true }],
  ])('refuse %s before touching anything', async (_label, overrides) => {
    const s = services();
    const h = createInvokeHandlers(s, trusted, () => {});
    for (const op of INVOKE_OPERATIONS) {
      expect(await h[op](event(overrides).e, [])).toEqual({ ok: false, error: UNTRUSTED_SENDER });
    }
    expect(s.saveSnapshot).not.toHaveBeenCalled();
    expect(s.chooseDataRoot).not.toHaveBeenCalled();
  });

  it.each([
    ['a traversal station id', [{ station_id: '../../etc', date: '2026-01-29' }]],
    ['a traversal date', [{ station_id: 'KLGA', date: '../../../passwd' }]],
    ['an absolute path as station', [{ station_id: '/etc/passwd', date: '2026-01-29' }]],
    ['no argument', []],
    ['extra arguments', [DAY, DAY]],
    ['a string instead of a day', ['KLGA/2026-01-29']],
  ])('reject readManifest with %s', async (_label, args) => {
    const r = await handlers().readManifest(event().e, args);
    expect(r.ok).toBe(false);
    expect(r).toMatchObject({ error: expect.stringMatching(/^readManifest: invalid arguments/) });
  });

  it.each([
    ['an unknown channel', { ...DAY, ch: '../../secret' }],
    ['a negative offset', { ...DAY, ch: 'metar_obs', offset: -1 }],
    ['a huge length', { ...DAY, ch: 'metar_obs', length: 2 ** 40 }],
    ['a traversal in the date', { station_id: 'KLGA', date: '2026-01-29/../../x', ch: 'metar_obs' }],
  ])('reject readParquet with %s', async (_label, arg) => {
    const r = await handlers().readParquet(event().e, [arg]);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/^readParquet: invalid arguments/) });
  });

  it('refuse a file that is a symlink leading out of the data root', async () => {
    const r = await handlers().readParquet(event().e, [{ ...DAY, ch: 'tape_trades' }]);
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('escapes the data root') });
  });

  it('say which day and channel is missing', async () => {
    const r = await handlers().readParquet(event().e, [{ ...DAY, ch: 'l2_snap_1s' }]);
    expect(r).toMatchObject({ ok: false, error: expect.stringContaining('no l2_snap_1s data for KLGA 2026-01-29') });
  });

  it('validate snapshot names: a plain .json file name, nothing that could be a path', async () => {
    const s = services();
    const h = createInvokeHandlers(s, trusted, () => {});
    for (const name of ['../evil.json', '/etc/evil.json', 'a/b.json', 'x.exe', 'C:\\x.json']) {
      expect((await h.saveSnapshot(event().e, [{ suggested_name: name, contents: '{}' }])).ok).toBe(false);
    }
    expect(s.saveSnapshot).not.toHaveBeenCalled();
    const ok = await h.saveSnapshot(event().e, [{ suggested_name: 'snap-KLGA-2026-01-29.json', contents: '{}' }]);
    expect(ok).toEqual({ ok: true, value: { saved: true, path: '/tmp/x.json' } });
  });

  it('reject arguments to argument-less operations', async () => {
    const h = handlers();
    for (const op of ['getInfo', 'listDays', 'openSnapshot', 'chooseDataRoot'] as const) {
      expect((await h[op](event().e, ['/etc'])).ok).toBe(false);
    }
  });
});

describe('IPC live subscription handlers', () => {
  it('route a valid subscription keyed by window and id, and answer batches on that id', () => {
    const live = { subscribe: vi.fn(), unsubscribe: vi.fn() };
    const h = createLiveHandlers(live, trusted, () => {});
    const { e, sent } = event();
    h.subscribe(e, 3, ['l2', 'world']);
    expect(live.subscribe).toHaveBeenCalledWith('7:3', ['l2', 'world'], expect.any(Function));
    const deliver = live.subscribe.mock.calls[0]![2] as (m: unknown[]) => void;
    deliver([{ type: 'events', events: [] }]);
    expect(sent).toEqual([[LIVE_BATCH, 3, [{ type: 'events', events: [] }]]]);
    h.unsubscribe(e, 3);
    expect(live.unsubscribe).toHaveBeenCalledWith('7:3');
  });

  it('answer invalid groups with an error message and subscribe nothing', () => {
    const live = { subscribe: vi.fn(), unsubscribe: vi.fn() };
    const h = createLiveHandlers(live, trusted, () => {});
    for (const groups of [[], ['l2', 'l2'], ['nope'], 'l2', null]) {
      const { e, sent } = event();
      h.subscribe(e, 1, groups);
      expect(sent).toEqual([[LIVE_BATCH, 1, [{ type: 'error', message: expect.stringContaining('invalid groups') }]]]);
    }
    expect(live.subscribe).not.toHaveBeenCalled();
  });

  it('ignore bad ids and untrusted senders', () => {
    const live = { subscribe: vi.fn(), unsubscribe: vi.fn() };
    const h = createLiveHandlers(live, trusted, () => {});
    for (const id of [0, -1, 1.5, '1', 2 ** 40]) h.subscribe(event().e, id, ['l2']);
    h.subscribe(event({ url: 'https://evil.example/' }).e, 1, ['l2']);
    h.unsubscribe(event({ id: 99 }).e, 1);
    expect(live.subscribe).not.toHaveBeenCalled();
    expect(live.unsubscribe).not.toHaveBeenCalled();
  });
});

describe('registerIpc', () => {
  it('registers exactly the preload contract channels', () => {
    const handled: string[] = [];
    const on: string[] = [];
    registerIpc({ handle: (c) => void handled.push(c), on: (c) => void on.push(c) }, services(), trusted, () => {});
    expect(handled.sort()).toEqual(INVOKE_OPERATIONS.map(invokeChannel).sort());
    expect(on.sort()).toEqual([LIVE_SUBSCRIBE, LIVE_UNSUBSCRIBE].sort());
  });
});
