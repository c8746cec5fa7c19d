import { describe, expect, it } from 'vitest';
import { API_ARGS } from '../../src/shared/api';
import { applyEvents, emptyChannelState } from '../../src/shared/channel-state';
import { loadSnapshot, SNAPSHOT_FORMAT } from '../../src/shared/snapshot';
import { exportFromSource } from '../../src/shared/players/export';
import { MemoryEventSource } from './fixtures/memory-event-source';
import { SnapshotPlayer } from '../../src/shared/players/snapshot-player';
import { localDayBoundsUtc } from '../../src/shared/time';
import { generateDay } from './fixtures/generate-day';
import { StoreProbe, stateByPlaying, visible } from './helpers';

const events = generateDay({ fromMs: Date.parse('2026-01-29T17:45:00Z'), durationMs: 20 * 60_000, tokens: 3 });
const metar = events.find((e) => e.ch === 'metar_obs')!;
const AT = Date.parse(metar.ts_ingest_utc) + 30_000;

async function exported() {
  const source = new MemoryEventSource(events);
  const state = stateByPlaying(events, AT);
  return { state, file: await exportFromSource(source, { at_ms: AT, correlation_id: metar.correlation_id, state }) };
}

describe('correlation-id snapshot', () => {
  it('exports every event of the correlation and the state at the cursor, and reopens to the same moment', async () => {
    const { state, file } = await exported();
    expect(API_ARGS.saveSnapshot.safeParse([{ suggested_name: file.name, contents: file.contents }]).success).toBe(true);
    const json = JSON.parse(file.contents);
    expect(json.format).toBe(SNAPSHOT_FORMAT);
    expect(json.format_version).toBe(1);
    expect(json.cursor_utc).toBe(new Date(AT).toISOString());
    expect(json.events.map((e: { event_id: string }) => e.event_id)).toEqual(
      events.filter((e) => e.correlation_id === metar.correlation_id).map((e) => e.event_id),
    );
    // features come with their staleness at the cursor
    const wind = json.inputs.find((i: { name: string }) => i.name === 'wind_kt');
    expect(wind.staleness_s).toBeGreaterThanOrEqual(60);
    const metarInput = json.inputs.find((i: { kind: string }) => i.kind === 'metar');
    expect(metarInput.staleness_s).toBe((AT - Date.parse(metar.obs_time_utc)) / 1000);

    const loaded = loadSnapshot(file.contents);
    if (!loaded.ok) throw new Error(loaded.reason);
    expect(loaded.snapshot.at_ms).toBe(AT);
    expect(visible(loaded.snapshot.state)).toEqual(visible(state));
    // its backfill rebuilds the same state through the reducer, which is what the player replays
    expect(visible(applyEvents(emptyChannelState(), loaded.snapshot.file.backfill))).toEqual(visible(state));
    const probe = new StoreProbe(new SnapshotPlayer(loaded.snapshot));
    await Promise.resolve();
    // the timeline spans the snapshot's local day, the cursor at its moment
    const [dayStart, dayEnd] = localDayBoundsUtc(json.date, json.time_zone);
    expect(probe.last).toMatchObject({ presence: 'PRESENT', current_ms: AT, capabilities: [], start_ms: dayStart, end_ms: dayEnd, mode: 'replay' });
    expect(dayStart).toBeLessThan(AT);
    expect(AT).toBeLessThan(dayEnd);
    expect(visible(probe.channel)).toEqual(visible(state));
  });

  it('refuses damaged, foreign and future files with a reason', async () => {
    const { file } = await exported();
    const json = JSON.parse(file.contents);
    json.state.books[0].bids[0].p = 7;
    const damaged = loadSnapshot(JSON.stringify(json));
    expect(damaged).toMatchObject({ ok: false });
    expect(!damaged.ok && damaged.reason).toMatch(/state\.books\.0\.bids\.0\.p/);

    const badEvent = JSON.parse(file.contents);
    badEvent.events[0].schema_version = 99;
    const future = loadSnapshot(JSON.stringify(badEvent));
    expect(!future.ok && future.reason).toMatch(/schema_version 99 is newer/);

    expect(loadSnapshot('{"hello": 1}')).toMatchObject({ ok: false, reason: expect.stringMatching(/not a HELIOS Tape snapshot/) });
    expect(loadSnapshot('{"format": "' + SNAPSHOT_FORMAT + '", "format_version": 2}')).toMatchObject({ ok: false, reason: expect.stringMatching(/newer/) });
    expect(loadSnapshot('nope')).toMatchObject({ ok: false, reason: expect.stringMatching(/not JSON/) });
  });
});
