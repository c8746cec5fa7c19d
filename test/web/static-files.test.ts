/** The bridge's static files: a file that vanishes between the stat and the read ends that response only. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { unlinkSync } from 'node:fs';
import { createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { serveStatic } from '../../src/services/web/static-files';

let dir: string;
let server: Server;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'helios-static-'));
  server = createServer((req, res) => {
    // Remove the file just after serveStatic's stat found it, before its read stream opens it.
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => typeof res;
    res.writeHead = ((...args: unknown[]) => {
      if (req.url === '/vanishing.js') unlinkSync(join(dir, 'vanishing.js'));
      return writeHead(...args);
    }) as typeof res.writeHead;
    void serveStatic(dir, req.url!, req, res, {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

const fetchStatus = (path: string) =>
  new Promise<{ status: number; body: string } | 'aborted'>((resolve) => {
    const req = get({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', () => resolve('aborted'));
      res.on('aborted', () => resolve('aborted'));
    });
    req.on('error', () => resolve('aborted'));
  });

test('a file removed between stat and read aborts that response; the server keeps serving', async () => {
  await writeFile(join(dir, 'vanishing.js'), 'x'.repeat(1000));
  await writeFile(join(dir, 'app.js'), 'console.log(1)');
  expect(await fetchStatus('/vanishing.js')).toBe('aborted');
  expect(await fetchStatus('/app.js')).toEqual({ status: 200, body: 'console.log(1)' });
});
