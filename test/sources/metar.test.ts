/** The METAR poller against a scripted aviationweather.gov (and IEM) on 127.0.0.1. */
import { describe, expect, it } from 'vitest';
import { startRecording } from '../../src/services/recorder/session';
import { LiveSources } from '../../src/services/sources/live-sources';
import { parseLine } from '../../src/shared/registry';
import type { EventOf } from '../../src/shared/schemas';
import { readJournal } from '../recorder/journal-files';
import { ScriptedHttp } from './fake-upstreams';
import { awcElement, IEM_CSV } from './fixtures/captured';
import { cleanupAfterEach, fakeConfig, onCleanup, startSources, tempDir, until } from './helpers';

cleanupAfterEach();

/** A KLGA report observed at `obsMs`, as aviationweather.gov's `rawOb` has it. */
function report(obsMs: number, kind: 'METAR' | 'SPECI' | 'SPECI COR', tenths: number): string {
  const d = new Date(obsMs);
  const group = `${String(d.getUTCDate()).padStart(2, '0')}${String(d.getUTCHours()).padStart(2, '0')}${String(d.getUTCMinutes()).padStart(2, '0')}Z`;
  const t = `T0${String(tenths).padStart(3, '0')}0139`;
  const body = `02009KT 4SM -RA BR SCT009 BKN014 OVC019 ${String(Math.round(tenths / 10)).padStart(2, '0')}/14 A2979 RMK AO2 ${t}`;
  if (kind === 'METAR') return `KLGA ${group} ${body}`; // routine reports come without the "METAR " prefix
  if (kind === 'SPECI') return `SPECI KLGA ${group} ${body} $`;
  return `SPECI KLGA ${group} COR ${body}`;
}

const minute = 60_000;
const at = (ms: number) => Math.floor(ms / minute) * minute;

describe('METAR poller', () => {
  it('records each report once — repeats, a SPECI, a correction — and backs off on 503 and 429 (Retry-After)', async () => {
    const now = Date.now();
    const a = { raw: report(at(now - 40 * minute), 'METAR', 150), obs: at(now - 40 * minute) };
    const c = { raw: report(at(now - 30 * minute), 'SPECI', 152), obs: at(now - 30 * minute) };
    const cor = { raw: report(at(now - 30 * minute), 'SPECI COR', 153), obs: at(now - 30 * minute) };
    const s = { raw: report(at(now - 20 * minute), 'SPECI', 161), obs: at(now - 20 * minute) };
    const el = (r: { raw: string; obs: number }, type: 'METAR' | 'SPECI', receipt = r.obs + 150_000) => awcElement(r.raw, r.obs / 1000, type, receipt);
    const awc = await ScriptedHttp.start([
      { status: 200, body: JSON.stringify([el(a, 'METAR')]) },
      { status: 200, body: JSON.stringify([el(s, 'SPECI'), el(c, 'SPECI'), el(a, 'METAR')]) },
      { status: 503, body: 'Service Unavailable' },
      { status: 429, body: 'Too Many Requests', headers: { 'Retry-After': '1' } },
      // newest first; the correction was received after the report it corrects
      { status: 200, body: JSON.stringify([el(s, 'SPECI'), el(cor, 'SPECI', c.obs + 600_000), el(c, 'SPECI'), el(a, 'METAR')]) },
    ]);
    onCleanup(() => awc.stop());
    const root = tempDir();
    const sources = await LiveSources.create({ config: fakeConfig({ metar: { url: awc.url('/api/data/metar') } }), log: () => {} });
    const session = await startRecording({ dataRoot: root, source: sources, clock: sources.clock });
    onCleanup(() => session.stop());
    const states: string[] = [];
    const poll = setInterval(() => {
      const m = sources.statuses().find((x) => x.source === 'metar')!;
      const line = `${m.state} ${m.detail}`;
      if (states.at(-1) !== line) states.push(line);
    }, 5);
    onCleanup(() => clearInterval(poll));
    await until(() => awc.requests.length >= 6, 'six polls', 8000);
    await session.stop();

    expect(awc.requests[0]!.url).toMatch(/\/api\/data\/metar\?ids=KLGA&format=json&hours=3$/);
    expect(awc.requests[0]!.userAgent).toMatch(/^HELIOS-Tape\//);
    expect(awc.requests[4]!.at - awc.requests[3]!.at).toBeGreaterThanOrEqual(990); // Retry-After: 1
    expect(states.some((l) => /^failing aviationweather.gov: HTTP 503; retry in/.test(l))).toBe(true);
    expect(states.some((l) => /^failing aviationweather.gov: HTTP 429; retry in 1 s/.test(l))).toBe(true);
    expect(states.at(-2)).toMatch(/^connected/);
    expect(states.at(-1)).toBe('stopped null');

    const metars = readJournal(root)
      .flatMap((f) => f.lines.map((l) => parseLine(l)))
      .flatMap((p) => (p.ok && p.event.ch === 'metar_obs' ? [p.event as EventOf<'metar_obs'>] : []));
    expect(metars.map((m) => m.raw)).toEqual([a.raw, c.raw, s.raw, cor.raw]);
    expect(metars.map((m) => m.report_type)).toEqual(['METAR', 'SPECI', 'SPECI', 'SPECI']);
    expect(metars[3]!.temp_c_precise).toBe(15.3);
  });

  it('a timeout is a failure too; a configured IEM ASOS fills in meanwhile', async () => {
    const awc = await ScriptedHttp.start([{ status: 200, body: '[]', delayMs: 1500 }]);
    const iem = await ScriptedHttp.start([{ status: 200, body: IEM_CSV, headers: { 'Content-Type': 'text/csv' } }]);
    onCleanup(() => awc.stop(), () => iem.stop());
    const config = fakeConfig({ metar: { url: awc.url('/api/data/metar'), fallback: { url: iem.url('/cgi-bin/request/asos.py'), network: 'NY_ASOS' } } });
    const { sink } = await startSources({ config });
    await until(() => sink.of('metar').length === 2, 'the IEM reports', 5000);
    expect(sink.of('metar').map((m) => m.raw.slice(0, 17))).toEqual(['KLGA 271651Z 0601', 'KLGA 271720Z 0601']);
    expect(sink.state('metar')).toMatchObject({ state: 'failing', detail: expect.stringMatching(/^aviationweather.gov: timeout after 1 s; retry in \d+ s; IEM ASOS answering$/) });
    const asked = new URL(iem.requests[0]!.url);
    expect(Object.fromEntries(asked.searchParams)).toMatchObject({ station: 'LGA', network: 'NY_ASOS', data: 'metar', format: 'onlycomma', tz: 'Etc/UTC' });
    expect(asked.searchParams.getAll('report_type')).toEqual(['3', '4']);
  });
});
