/**
 * The one way to read an event from outside the process (journal line, ingest request, protocol
 * message): parse → upgrade older versions → validate against the current schema. Anything else is
 * rejected with a reason that a human can act on; nothing is guessed.
 */
import { CHANNELS, isChannel, type Channel } from './channels';
import { CURRENT_SCHEMAS, CURRENT_VERSION, type AnyEvent } from './schemas';
import { LEGACY_VERSIONS } from './legacy-schemas';
import type { z } from 'zod';

export type RejectCode =
  | 'not_json'
  | 'not_object'
  | 'missing_ch'
  | 'unknown_channel'
  | 'missing_schema_version'
  | 'future_schema_version'
  | 'unsupported_schema_version'
  | 'invalid';

export type ParseResult =
  | { ok: true; event: AnyEvent; upgradedFrom: number | null }
  | { ok: false; code: RejectCode; reason: string };

function reject(code: RejectCode, reason: string): ParseResult {
  return { ok: false, code, reason };
}

export function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}

export function parseEvent(input: unknown): ParseResult {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return reject('not_object', `expected a JSON object, got ${Array.isArray(input) ? 'array' : typeof input}`);
  }
  const raw = input as Record<string, unknown>;
  const ch = raw.ch;
  if (ch === undefined) return reject('missing_ch', 'missing "ch"');
  if (!isChannel(ch)) {
    return reject('unknown_channel', `unknown channel ${JSON.stringify(ch)} (known: ${CHANNELS.join(', ')})`);
  }
  const version = raw.schema_version;
  if (typeof version !== 'number' || !Number.isInteger(version)) {
    return reject('missing_schema_version', `${ch}: "schema_version" must be an integer, got ${JSON.stringify(version)}`);
  }
  const current = CURRENT_VERSION[ch];
  if (version > current) {
    return reject('future_schema_version', `${ch}: schema_version ${version} is newer than supported ${current}`);
  }
  let value: unknown = raw;
  let v = version;
  while (v < current) {
    const legacy = LEGACY_VERSIONS[ch]?.[v];
    if (!legacy) return reject('unsupported_schema_version', `${ch}: schema_version ${v} is not supported`);
    const parsed = legacy.schema.safeParse(value);
    if (!parsed.success) return reject('invalid', `${ch} v${v}: ${describeZodError(parsed.error)}`);
    value = legacy.upgrade(parsed.data as never);
    v++;
  }
  const parsed = CURRENT_SCHEMAS[ch].safeParse(value);
  if (!parsed.success) return reject('invalid', `${ch} v${current}: ${describeZodError(parsed.error)}`);
  return { ok: true, event: parsed.data as AnyEvent, upgradedFrom: version === current ? null : version };
}

export function parseLine(line: string): ParseResult {
  let input: unknown;
  try {
    input = JSON.parse(line);
  } catch (e) {
    return reject('not_json', `not JSON: ${(e as Error).message}`);
  }
  return parseEvent(input);
}

/** Validate an event this process built itself; throws, since that is a programming error. */
export function assertEvent<C extends Channel>(ch: C, event: unknown): void {
  const parsed = CURRENT_SCHEMAS[ch].safeParse(event);
  if (!parsed.success) throw new Error(`invalid ${ch} event: ${describeZodError(parsed.error)}`);
}
