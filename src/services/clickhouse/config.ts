/**
 * Where and how the optional ClickHouse sink writes (off unless configured): the `clickhouse`
 * section of the config file, or `--clickhouse URL` (`http://[user@]host:port[/database]`). The
 * password is never in the file or the URL: it is read from the environment variable named by
 * `password_env`.
 */
import { z } from 'zod';
import { describeZodError } from '../../shared/registry';

export const clickhouseConfigSchema = z
  .object({
    url: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:8123'),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('helios'),
    user: z.string().min(1).default('default'),
    password_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('HELIOS_CLICKHOUSE_PASSWORD'),
    /** A batch is sent when it has this many rows, or after flush_ms. */
    batch_rows: z.number().int().min(1).max(1_000_000).default(5000),
    flush_ms: z.number().int().min(10).max(600_000).default(1000),
    /** Batches waiting while the server is unreachable, on disk; beyond this, new rows are dropped (and counted). */
    max_spool_bytes: z.number().int().min(1 << 20).default(2 ** 30),
    /** Rows older than this are dropped by the server (table TTL), where the server supports TTL (docs/spec.md §8: 30–90 days). */
    ttl_days: z.number().int().min(1).max(36_500).default(90),
    request_timeout_ms: z.number().int().min(100).max(600_000).default(30_000),
  })
  .strict();

export type ClickHouseConfig = z.output<typeof clickhouseConfigSchema>;
export type ClickHouseConfigInput = z.input<typeof clickhouseConfigSchema>;

/** `http://user@host:8123/db` → config fields (url without user and path, database, user). */
export function clickhouseConfigFromUrl(text: string, base: ClickHouseConfigInput = {}): ClickHouseConfig {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`not a URL: ${JSON.stringify(text)} (expected http://[user@]host:port[/database])`);
  }
  if (url.password) throw new Error(`put the password in the environment (${clickhouseConfigSchema.parse(base).password_env}), not in the URL`);
  const database = decodeURIComponent(url.pathname.replace(/^\/+|\/+$/g, ''));
  const user = decodeURIComponent(url.username);
  const parsed = clickhouseConfigSchema.safeParse({
    ...base,
    url: `${url.protocol}//${url.host}`,
    ...(database ? { database } : {}),
    ...(user ? { user } : {}),
  });
  if (!parsed.success) throw new Error(`${text}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}
