/**
 * A live recording stopped and started again the same day (a crash, an upgrade): the METAR poll
 * returns the last hours again and discovery lists the day's market again; neither is recorded
 * twice. Plus what a session reports about its sources.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startRecording } from '../../src/services/recorder/session';
import type { Source, SourceMessage, SourceSink } from '../../src/services/sources/source';
import { parseLine } from '../../src/shared/registry';
import type { AnyEvent } from '../../src/shared/schemas';
import { AWC_METARS } from './fixtures/venue-data';
import { readJournal } from './journal-files';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** A METAR poller's deliveries (each poll's reports in the order the API lists them), pushed at start. */
class PollSource implements Source {
  readonly info = { id: 'polls', station_id: 'KLGA', tokens: [] };
  constructor(private readonly deliver: (sink: SourceSink) => void) {}
  async start(sink: SourceSink): Promise<void> {
    this.deliver(sink);
  }
  async stop(): Promise<void> {}
}

const poll = (at: number, raws: readonly string[]): SourceMessage[] => raws.map((raw) => ({ kind: 'metar', received_ms: at, raw }));
const written = (): AnyEvent[] => readJournal(root).flatMap((f) => f.lines.map((l) => parseLine(l))).flatMap((p) => (p.ok ? [p.event] : []));

it('records each METAR/SPECI once across a restart mid-day; a COR of an earlier report is new', async () => {
  root = mkdtempSync(join(tmpdir(), 'helios-restart-'));
  const raws = AWC_METARS.map(([, raw]) => raw);
  const [speci1059, metar1051, cor1032, speci1006, metar0951] = raws as [string, string, string, string, string];
  const original1032 = cor1032.replace(' COR', '');
  let now = Date.parse('2026-09-28T10:20:00Z');
  const clock = { now: () => now };

  // First run: the 09:51 METAR, the 10:06 SPECI and the 10:32 SPECI before its correction.
  const first = await startRecording({ dataRoot: root, source: new PollSource((s) => poll(now, [speci1006, metar0951, original1032]).forEach((m) => s.push(m))), clock });
  await first.stop();

  // Second run, after the restart: the next poll returns everything of the last hours again.
  now = Date.parse('2026-09-28T11:03:00Z');
  const second = await startRecording({ dataRoot: root, source: new PollSource((s) => poll(now, raws).forEach((m) => s.push(m))), clock });
  const stats = await second.stop();

  const metars = written().filter((e) => e.ch === 'metar_obs');
  expect(metars.map((e) => e.raw).sort()).toEqual([speci1059, metar1051, cor1032, speci1006, metar0951, original1032].sort());
  expect(stats.recorder.duplicate_metars).toBe(2);
  expect(metars.find((e) => e.raw === cor1032)).toMatchObject({ report_type: 'SPECI', temp_c_precise: 15, obs_time_utc: '2026-09-28T10:32:00.000Z' });
});

it('quarantines what a source refused and reports each upstream’s state in the session stats', async () => {
  root = mkdtempSync(join(tmpdir(), 'helios-restart-'));
  const now = Date.parse('2026-09-28T11:03:00Z');
  const session = await startRecording({
    dataRoot: root,
    clock: { now: () => now },
    source: new PollSource((s) => {
      s.status({ source: 'metar', state: 'failing', detail: 'HTTP 429, backing off 120 s', at_ms: now });
      s.status({ source: 'pws', state: 'not_configured', detail: null, at_ms: now });
      s.reject({ source: 'metar', received_ms: now, reason: 'HTTP 200 body: not JSON', input: '<html>' });
    }),
  });
  expect(session.stats().sources.map((x) => [x.source, x.state, x.detail])).toEqual([
    ['metar', 'failing', 'HTTP 429, backing off 120 s'],
    ['pws', 'not_configured', null],
  ]);
  const stats = await session.stop();
  expect(stats.recorder.rejected).toEqual({ metar: 1 });
  const quarantined = readJournal(root, 'quarantine').flatMap((f) => f.lines.map((l) => JSON.parse(l)));
  expect(quarantined).toMatchObject([{ source: 'metar', reason: 'HTTP 200 body: not JSON', input: '<html>' }]);
  const health = written().filter((e) => e.ch === 'health').at(-1)!;
  expect(health).toMatchObject({ rejected: { metar: 1 }, sources: [{ source: 'metar', state: 'failing' }, { source: 'pws', state: 'not_configured' }] });
});
