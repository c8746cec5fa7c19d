/**
 * A real clickhouse-server for the tests and the bench: its own config, data folder and ports on
 * 127.0.0.1 (no systemd, nothing shared with a system instance), started, stopped, killed and
 * restarted on the same data by the caller. Debian's package (`apt-get install clickhouse-server`, 18.16) provides
 * `clickhouse-server`; newer packages provide `clickhouse server`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The command that runs a server, or null when none is installed. */
export function clickhouseServerCommand(): string[] | null {
  for (const path of ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server']) if (existsSync(path)) return [path];
  const which = spawnSync('sh', ['-c', 'command -v clickhouse-server || command -v clickhouse'], { encoding: 'utf8' }).stdout.trim();
  if (!which) return null;
  return which.endsWith('/clickhouse') ? [which, 'server'] : [which];
}

export const NOT_INSTALLED = 'clickhouse-server is not installed here (apt-get install -y clickhouse-server clickhouse-client)';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export class TestClickHouse {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    readonly httpPort: number,
    private readonly command: string[],
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  static async start(): Promise<TestClickHouse> {
    const command = clickhouseServerCommand();
    if (!command) throw new Error(NOT_INSTALLED);
    const dir = await mkdtemp(join(tmpdir(), 'helios-clickhouse-'));
    const [httpPort, tcpPort] = [await freePort(), await freePort()];
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(
      join(dir, 'config.xml'),
      `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/server.err.log</errorlog></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <format_schema_path>${dir}/format_schemas/</format_schema_path>
  <users_config>${dir}/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
  <uncompressed_cache_size>268435456</uncompressed_cache_size>
  <timezone>UTC</timezone>
</yandex>
`,
    );
    await writeFile(
      join(dir, 'users.xml'),
      `<?xml version="1.0"?>
<yandex>
  <profiles><default></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default>
    <helios><password>s3cret</password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></helios>
  </users>
  <quotas><default></default></quotas>
</yandex>
`,
    );
    const server = new TestClickHouse(dir, httpPort, command);
    await server.run();
    return server;
  }

  /** Starts the server on its data folder and waits until it answers. */
  async run(): Promise<void> {
    const [bin, ...args] = this.command;
    const child = spawn(bin!, [...args, `--config-file=${join(this.dir, 'config.xml')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`clickhouse-server exited (${child.exitCode}): ${stderr.slice(-2000)}`);
      try {
        const res = await fetch(`${this.url}/ping`);
        if (res.ok && (await res.text()).trim() === 'Ok.') return;
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`clickhouse-server did not answer within 60 s: ${stderr.slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM (a clean shutdown) or SIGKILL (a crash), and wait for the process to be gone. */
  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
    this.child = null;
  }

  /** Stops the server and deletes its data folder. */
  async dispose(): Promise<void> {
    await this.stop();
    await rm(this.dir, { recursive: true, force: true });
  }

  async sql(query: string): Promise<string> {
    const res = await fetch(this.url, { method: 'POST', body: query });
    const text = await res.text();
    if (!res.ok) throw new Error(text);
    return text;
  }
}
