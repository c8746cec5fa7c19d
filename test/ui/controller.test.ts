import { describe, expect, test } from 'vitest';
import { handleKey, type KeyLike } from '../../src/renderer/src/keyboard';
import { SessionController } from '../../src/renderer/src/session/controller';
import { History } from '../../src/renderer/src/store/history';
import { createSessionStore } from '../../src/renderer/src/store/session-store';
import { createUiStore } from '../../src/renderer/src/store/ui-store';
import { fakeApi, fakeBackends, manifestOf } from './fake-backends';
import { syntheticDay, TOKENS } from './synthetic-day';

// Two METARs (15:51 and 16:51 UTC) with their windows.
const day = syntheticDay({ start_ms: Date.parse('2026-01-29T15:40:00.000Z'), minutes: 75 });

function setup() {
  const session = createSessionStore();
  const ui = createUiStore();
  const api = fakeApi();
  const fakes = fakeBackends(day);
  const history = new History();
  // Frames run synchronously here: every player state reaches the store at once.
  const controller = new SessionController({ api, session, ui, history, backends: fakes.backends, schedule: (cb) => cb() });
  return { session, ui, api, history, controller, ...fakes };
}

const key = (k: string, extra: Partial<KeyLike> = {}): KeyLike & { prevented: boolean } => {
  const e = { key: k, shiftKey: false, ctrlKey: false, metaKey: false, altKey: false, target: null, prevented: false, preventDefault: () => (e.prevented = true), ...extra };
  return e;
};

describe('session controller', () => {
  test('opening a day attaches its player, shows progress, and remembers the day', async () => {
    const { controller, session, ui } = setup();
    const seen: (number | null)[] = [];
    ui.subscribe((s) => s.loading && seen.push(s.loading.fraction));
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    expect(seen).toContain(0.5);
    expect(ui.getState().loading).toBeNull();
    expect(session.getState().kind).toBe('replay');
    expect(session.getState().markers.filter((m) => m.kind === 'METAR')).toHaveLength(2);
    expect(controller.lastReplayDay).toEqual({ station_id: 'KLGA', date: '2026-01-29' });
  });

  test('next/previous METAR seek to the markers and the world shows that METAR', async () => {
    const { controller, session } = setup();
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    expect(controller.jump('metar', 1)).toBe(true);
    expect(session.getState().clock?.current_ms).toBe(day.metar_ms[0]);
    expect(Date.parse(session.getState().channels.metar!.ts_ingest_utc)).toBe(day.metar_ms[0]);
    controller.jump('metar', 1);
    expect(session.getState().clock?.current_ms).toBe(day.metar_ms[1]);
    controller.jump('metar', -1); // right after a jump, "previous" goes to the one before
    expect(session.getState().clock?.current_ms).toBe(day.metar_ms[0]);
    expect(controller.jump('metar', -1)).toBe(false);
  });

  test('a slow day that lost the race to another switch is closed, not attached', async () => {
    const { controller, session, opened } = setup();
    const first = controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    controller.goLive();
    await first;
    expect(opened[0]!.closed).toBe(true);
    expect(session.getState().kind).toBe('live');
  });

  test('live has no seek: steps and jumps do nothing', () => {
    const { controller, session } = setup();
    controller.goLive();
    const before = session.getState().clock?.current_ms;
    controller.stepSeconds(1);
    expect(controller.jump('metar', 1)).toBe(false);
    expect(session.getState().clock?.current_ms).toBe(before);
  });

  test('export saves the snapshot of the story at the cursor through the API', async () => {
    const { controller, api, snapshots } = setup();
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    controller.jump('metar', 1);
    controller.stepSeconds(1, 30); // inside the METAR's window
    const result = await controller.exportSnapshot();
    const metarCorrelation = manifestOf(day).markers.find((m) => m.kind === 'METAR')!.correlation_id;
    expect(result?.correlation_id).toBe(metarCorrelation);
    expect(snapshots[0]).toEqual({ correlation_id: metarCorrelation, at_ms: day.metar_ms[0]! + 30_000 });
    expect(api.saved[0]!.suggested_name).toBe(`snapshot-${metarCorrelation}.json`);
  });

  test('an export shows its progress and then its own message, never the one of an earlier export', async () => {
    const { controller, api, ui, backends } = setup();
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    controller.jump('metar', 1);
    ui.getState().notify('Snapshot saved to /tmp/exports/an-earlier-one.json');
    let release!: () => void;
    const build = backends.buildSnapshot.bind(backends);
    backends.buildSnapshot = async (request, opened) => {
      request.onProgress?.(0.5);
      await new Promise<void>((r) => (release = r));
      return build(request, opened);
    };
    const exporting = controller.exportSnapshot();
    await new Promise((r) => setTimeout(r, 0));
    expect(ui.getState().notice).toMatchObject({ tone: 'info', progress: 0.45 });
    expect(ui.getState().notice!.text).toMatch(/^Exporting the snapshot of correlation /);
    release();
    await exporting;
    expect(ui.getState().notice!.text).toBe(`Snapshot saved to /tmp/exports/${api.saved[0]!.suggested_name}`);
    expect(ui.getState().notice!.progress).toBeUndefined();
  });

  test('a selected range is exported as one folder of files, named after the day and the range', async () => {
    const { controller, api, ui, backends } = setup();
    const openDay = backends.openDay.bind(backends);
    backends.openDay = async (...args) => ({ ...(await openDay(...args)), exportRange: async (_from, _to, onProgress) => (onProgress(1), [{ name: 'l2_snap_1s.parquet', bytes: new Uint8Array([1]) }, { name: 'l2_snap_1s.csv', bytes: new Uint8Array([2]) }]) });
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    expect(await controller.exportSelection()).toBeNull(); // nothing selected yet
    ui.getState().setSelection({ from: Date.parse('2026-01-29T16:00:00Z'), to: Date.parse('2026-01-29T16:05:30Z') });
    expect(await controller.exportSelection()).toBe('/tmp/exports/helios-KLGA-2026-01-29-160000-160530Z');
    expect(api.exports[0]!.files.map((f) => f.name)).toEqual(['l2_snap_1s.parquet', 'l2_snap_1s.csv']);
    expect(ui.getState().notice!.text).toBe('Range saved to /tmp/exports/helios-KLGA-2026-01-29-160000-160530Z');
  });

  test('once the first frame is shown the whole day loads in the background and fills the charts', async () => {
    const { controller, ui, history, historyLoads } = setup();
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    await new Promise((r) => setTimeout(r, 10)); // the load starts when the page is idle
    expect(historyLoads).toEqual([{ presence: 'PRESENT', seek_id: 1 }]);
    expect(ui.getState().historyLoad).toMatchObject({ fraction: 1, chartsReady: true, done: true });
    // the charts span the day, not only what was played (nothing yet: the cursor is at the start)
    const series = history.day!.price.get(TOKENS[0]!)!;
    expect(series.t[0]! * 1000).toBeLessThanOrEqual(day.start_ms);
    expect(series.t.at(-1)! * 1000).toBeGreaterThanOrEqual(day.end_ms - 10_000); // end_ms is exclusive
    expect(history.nowcast.length).toBe(day.events.filter((e) => e.ch === 'nowcast_1m').length);
    expect(history.metars.length).toBe(2);
    // switching away drops it
    controller.goLive();
    expect(ui.getState().historyLoad).toBeNull();
    expect(history.day).toBeNull();
  });

  test('a snapshot file that does not parse is refused with a notice and the session kept', async () => {
    const { controller, session, ui } = setup();
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    controller.loadSnapshot('not json', 'x.json');
    expect(ui.getState().notice?.tone).toBe('error');
    expect(session.getState().kind).toBe('replay');
  });
});

describe('keyboard', () => {
  test('space, arrows, M/W/S with and without Shift, and 1–5 drive the controller', async () => {
    const { controller, session, opened, ui } = setup();
    await controller.openDay({ station_id: 'KLGA', date: '2026-01-29' });
    const player = opened[0]!.player;
    handleKey(key(' '), controller, ui);
    expect(session.getState().clock?.playing).toBe(true);
    handleKey(key(' '), controller, ui);
    expect(session.getState().clock?.playing).toBe(false);
    handleKey(key('3', { code: 'Digit3' }), controller, ui);
    expect(session.getState().clock?.speed).toBe(10);
    handleKey(key('5', { code: 'Digit5' }), controller, ui);
    expect(session.getState().clock?.speed).toBe(600);
    handleKey(key('M', { shiftKey: false }), controller, ui);
    expect(session.getState().clock?.current_ms).toBe(day.metar_ms[0]);
    handleKey(key('ArrowRight'), controller, ui);
    expect(session.getState().clock?.current_ms).toBe(day.metar_ms[0]! + 1000);
    handleKey(key('ArrowLeft', { shiftKey: true }), controller, ui);
    expect(session.getState().clock?.current_ms).toBe(day.metar_ms[0]! - 9000);
    handleKey(key('W'), controller, ui);
    expect(session.getState().clock?.current_ms).toBe(day.metar_ms[0]); // the window opens with the METAR
    handleKey(key('M', { shiftKey: true }), controller, ui);
    expect(player.calls.filter((c) => c.startsWith('seek')).length).toBe(4); // nothing before the first METAR
  });

  test('typing in the SQL console is not a shortcut', () => {
    const { controller, ui } = setup();
    const e = key(' ', { target: { tagName: 'TEXTAREA' } as unknown as EventTarget });
    expect(handleKey(e, controller, ui)).toBe(false);
    expect(e.prevented).toBe(false);
  });
});

