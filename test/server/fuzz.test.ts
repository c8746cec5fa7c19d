/**
 * Issue #13 item 1 for `helios serve`: the CLI in its own process, recording the simulator, while
 * hand-built malformed frames and seeded random ones hit /live and /replay over raw TCP. Each must
 * close only its own connection (with the close code the RFC asks for); the recording goes on and
 * well-behaved clients are still served.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { MAX_CLIENT_MESSAGE_BYTES } from '../../src/services/server/server';
import { REPO_ROOT } from '../../src/services/web/renderer-build';
import { makeDayFixture, type DayFixture } from '../replay/fixtures/day-fixture';
import { fuzz, malformedFrames, randomFrames, type FuzzTarget } from '../support/ws-fuzz';
import { ProtocolClient } from './helpers';
import { until } from '../support/until';
import { treeBytes } from '../web/bridge-process';

let fx: DayFixture;
let child: ChildProcess;
let port: number;
let stderr = '';
const alive = () => child.exitCode === null && child.signalCode === null;



beforeAll(async () => {
  fx = await makeDayFixture();
  child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', '--data', fx.root, '--port', '0', '--source', 'sim'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`helios serve exited (${code}): ${stderr}`)));
  });
  await until(() => treeBytes(join(fx.root, 'journal')) > 0, 'the recording to reach the journal', 30_000);
}, 60_000);

afterAll(async () => {
  if (child && alive()) {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  await fx?.dispose();
});

test('malformed frames on /live and /replay close only that client, with a close code; the recording goes on', async () => {
  const named = malformedFrames(MAX_CLIENT_MESSAGE_BYTES);
  const journalBefore = treeBytes(join(fx.root, 'journal'));
  let deadAfter: string | null = null;
  const between = (o: { name: string }) => {
    if (!alive() && deadAfter === null) deadAfter = o.name;
  };
  const paths = ['/live', `/replay?station=KLGA&date=${fx.day.date}`];
  const results = [];
  for (const [k, path] of paths.entries()) {
    const target: FuzzTarget = { host: '127.0.0.1', port, path };
    const random = randomFrames(17 + k, 150);
    const outcomes = await fuzz(target, [...named, ...random], { timeoutMs: 1500, between });
    results.push({ path, outcomes, random: random.length });
  }
  expect(deadAfter, `helios serve died (stderr: ${stderr.slice(-2000)})`).toBeNull();

  for (const { path, outcomes } of results) {
    for (const [i, c] of named.entries()) {
      const o = outcomes[i]!;
      expect({ path, name: o.name, refused: o.refused, closed: o.closed, code: c.expectCodes!.includes(o.closeCode!) ? 'expected' : o.closeCode }).toEqual({
        path,
        name: c.name,
        refused: false,
        closed: true,
        code: 'expected',
      });
    }
  }

  await until(() => treeBytes(join(fx.root, 'journal')) > journalBefore, 'the journal to grow after the fuzzing', 10_000);
  const live = await ProtocolClient.connect(`ws://127.0.0.1:${port}/live`);
  live.send({ type: 'subscribe', groups: ['l2', 'health'] });
  await live.next('events');
  live.close();
  const replay = await ProtocolClient.connect(`ws://127.0.0.1:${port}/replay?station=KLGA&date=${fx.day.date}`);
  replay.send({ type: 'subscribe', groups: ['world'] });
  await replay.next('backfill');
  replay.close();

  const all = results.flatMap((r) => r.outcomes);
  console.log(
    `serve fuzz: ${all.length} inputs on /live and /replay (${named.length} named and ${results[0]!.random} random each), server alive after all; ` +
      `${all.filter((o) => o.closeCode !== null).length} closed with a close code, ${all.filter((o) => o.closed && o.closeCode === null).length} closed without, ` +
      `${all.filter((o) => !o.closed).length} left waiting for more bytes; journal ${journalBefore} → ${treeBytes(join(fx.root, 'journal'))} bytes`,
  );
}, 240_000);
