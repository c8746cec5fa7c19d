/**
 * What a generation remembers for the next compaction pass (`.state/state.json` in the generation
 * folder, next to the manifest it belongs with): how far each journal file was compacted, the
 * day's counts, the event-id log's length, the quarantine written so far, and what the markers and
 * tokens need to be extended rather than derived again. Readers never use it. A state that is
 * missing, damaged or inconsistent with the journal makes the next pass compact the day from
 * scratch.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { CHANNELS, type Channel } from '../../shared/channels';

export const STATE_DIR = '.state';
export const STATE_FILE = 'state.json';
const STATE_VERSION = 1;

const rejected = z.object({ line: z.number().int(), code: z.string(), reason: z.string(), raw: z.string() });
const channelKey = z.enum(CHANNELS as unknown as [Channel, ...Channel[]]);

const dayState = z.object({
  version: z.literal(STATE_VERSION),
  /** The event-id log (a file in the day's generations folder) and how many of its records this generation counts. */
  ids: z.object({ file: z.string().regex(/^ids-g\d+\.bin$/), count: z.number().int().nonnegative() }),
  /** Journal files in the order they were first seen (event-id records refer to them by index). */
  journals: z.array(
    z.object({
      name: z.string(),
      /** Bytes compacted (a line start or the end), the number of the line there, and the bytes just before it (base64) to notice a rewritten file. */
      offset: z.number().int().nonnegative(),
      line: z.number().int().positive(),
      before: z.string(),
      /** The bytes compacted end with a complete event whose newline was not written yet. */
      ended_open: z.boolean(),
      /** A rejected unterminated last line (closed day): quarantined, read again next pass. */
      tail: rejected.nullable(),
      tail_end: z.number().int().nonnegative(),
    }),
  ),
  next_part: z.number().int().nonnegative(),
  /** Parts written by incremental passes and not merged yet, per channel. */
  pass_parts: z.partialRecord(channelKey, z.array(z.number().int().nonnegative())),
  /** Counts of the lines compacted (tails excluded: they are read again). */
  counts: z.object({
    lines_read: z.number().int().nonnegative(),
    blank_lines: z.number().int().nonnegative(),
    duplicates: z.number().int().nonnegative(),
    quarantined: z.number().int().nonnegative(),
    upgraded: z.number().int().nonnegative(),
  }),
  quarantined_by_code: z.record(z.string(), z.number().int().nonnegative()),
  /** Quarantine files of the passes (in `.state/`), each in file/line order. */
  quarantine: z.array(z.string().regex(/^quarantine-g\d+\.ndjson$/)),
  shocks: z.object({ upto_us: z.number(), chains: z.record(z.string(), z.object({ marker_ts: z.string(), at_us: z.number(), from: z.number(), to: z.number() })) }).nullable(),
  token_facts: z.object({
    tokens: z.record(z.string(), z.object({ market_id: z.string(), market_us: z.number(), bucket: z.string().nullable(), bucket_us: z.number() })),
    listed: z.record(z.string(), z.object({ market_date: z.string(), ts_us: z.number() })),
    nowcast: z.object({ ts_us: z.number(), buckets: z.array(z.string()) }).nullable(),
  }),
});

export type DayState = z.infer<typeof dayState>;
export type JournalState = DayState['journals'][number];

export function newState(idsFile: string): DayState {
  return {
    version: STATE_VERSION,
    ids: { file: idsFile, count: 0 },
    journals: [],
    next_part: 0,
    pass_parts: {},
    counts: { lines_read: 0, blank_lines: 0, duplicates: 0, quarantined: 0, upgraded: 0 },
    quarantined_by_code: {},
    quarantine: [],
    shocks: null,
    token_facts: { tokens: {}, listed: {}, nowcast: null },
  };
}

/** The state of the generation in `dir`, or why there is none usable. */
export async function readState(dir: string): Promise<DayState | string> {
  let text: string;
  try {
    text = await readFile(join(dir, STATE_DIR, STATE_FILE), 'utf8');
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it was compacted before incremental compaction' : `its compaction state is unreadable (${(e as Error).message})`;
  }
  try {
    const parsed = dayState.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : 'its compaction state is invalid';
  } catch {
    return 'its compaction state is not JSON';
  }
}

export function stateJson(state: DayState): string {
  return JSON.stringify(state) + '\n';
}
