/**
 * Where a compaction pass starts: the generation readers see now, what its state remembers, and
 * from where each journal file is to be read — or why the pass must compact the whole journal.
 */
import { open } from 'node:fs/promises';
import { CHANNELS } from '../../shared/channels';
import { MAX_PART, type Manifest } from '../../shared/manifest';
import type { DayRef } from '../../shared/api';
import type { DataRoot } from '../data-root';
import { readState, type DayState, type JournalState } from './day-state';
import type { KnownJournal } from './first-reads';
import { currentGeneration } from './generations';
import type { JournalInput } from './spool-journal';

export interface Current {
  generation: number;
  legacy: boolean;
  /** The day's link points at it (false: a pass stopped before linking it). */
  linked: boolean;
  /** Its folder (a generation, or the legacy folder). */
  dir: string;
  manifest: Manifest;
  /** Its state, or why it has none usable. */
  state: DayState | string;
}

export interface Journal {
  path: string;
  name: string;
  size: number;
}

/** What a pass starts from. */
export interface Plan {
  full: boolean;
  fullReason: string | null;
  /** What the previous generation remembers; null for a full pass. */
  state: DayState | null;
  /** Every journal file the state knows, in its order, plus new ones (event-id records refer to them by index). */
  journals: KnownJournal[];
  /** Files with bytes to read, from where. */
  inputs: JournalInput[];
  previous: Current | null;
}

/** The generation readers see, with its manifest and state; null when there is none to build on. */
export async function readCurrent(root: DataRoot, day: DayRef): Promise<Current | null> {
  const at = await currentGeneration(root, day);
  if (at === null) return null;
  const dir = at.legacy ? root.parquetDayDir(day) : root.generationDir(day, at.generation);
  let manifest: Manifest;
  try {
    manifest = await root.readManifest(day);
  } catch {
    return null; // nothing usable to build on: compact from scratch
  }
  return { ...at, dir, manifest, state: at.legacy ? 'it was compacted before generations' : await readState(dir) };
}

/** Where the pass starts reading each journal file, or why it must read all of them. */
export async function planPass(current: Current | null, journal: Journal[], rebuild: boolean, forcedReason?: string): Promise<Plan> {
  const byName = new Map(journal.map((j) => [j.name, j]));
  const full = (reason: string | null): Plan => {
    const journals = journal.map(({ path, name }) => ({ path, name }));
    return {
      full: true,
      fullReason: reason,
      state: null,
      journals,
      inputs: journal.flatMap((j, index) => (j.size > 0 ? [{ ...j, index, offset: 0, line: 1 }] : [])),
      previous: current,
    };
  };
  if (forcedReason) return full(forcedReason);
  if (rebuild) return full('asked to compact from scratch');
  if (current === null) return full(null);
  if (typeof current.state === 'string') return full(current.state);
  const state = current.state;
  if (state.next_part + CHANNELS.length * 2 > MAX_PART) return full('its part numbers ran out');
  const journals: KnownJournal[] = [];
  const inputs: JournalInput[] = [];
  for (const [index, js] of state.journals.entries()) {
    const file = byName.get(js.name);
    if (!file) return full(`journal file ${js.name} is gone`);
    journals.push({ path: file.path, name: file.name });
    const start = await resumePoint(file, js);
    if (typeof start === 'string') return full(start);
    if (file.size > start.offset) inputs.push({ ...file, index, offset: start.offset, line: start.line });
  }
  const known = new Set(state.journals.map((j) => j.name));
  for (const file of journal) {
    if (known.has(file.name)) continue;
    const index = journals.push({ path: file.path, name: file.name }) - 1;
    if (file.size > 0) inputs.push({ ...file, index, offset: 0, line: 1 });
  }
  inputs.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { full: false, fullReason: null, state, journals, inputs, previous: current };
}

/** Where to go on in a file the state knows, or why it cannot: the file must still hold what was compacted. */
async function resumePoint(file: Journal, js: JournalState): Promise<{ offset: number; line: number } | string> {
  if (file.size < js.offset) return `journal file ${js.name} shrank`;
  const before = Buffer.from(js.before, 'base64');
  const handle = await open(file.path, 'r');
  try {
    const bytes = Buffer.alloc(before.length + 1);
    const { bytesRead } = await handle.read(bytes, 0, bytes.length, js.offset - before.length);
    if (!bytes.subarray(0, before.length).equals(before)) return `journal file ${js.name} was rewritten`;
    if (!js.ended_open) return { offset: js.offset, line: js.line };
    // The last event taken had no newline yet: it must have got exactly that.
    if (bytesRead <= before.length) return { offset: js.offset, line: js.line };
    if (bytes[before.length] !== 0x0a) return `journal file ${js.name} continued its last line after it was compacted`;
    return { offset: js.offset + 1, line: js.line };
  } finally {
    await handle.close();
  }
}

/**
 * Nothing to do: no new bytes (a rejected tail that stayed as it was is no news on a closed day),
 * and the day is already in the shape the mode asks for.
 */
export function isUnchanged(plan: Plan, mode: 'quarantine' | 'pending'): boolean {
  const state = plan.state!;
  if (mode === 'quarantine' && !plan.previous!.manifest.closed) return false;
  return plan.inputs.every((f) => {
    const js = state.journals[f.index];
    return mode === 'quarantine' && js?.tail != null && f.size === js.tail_end;
  });
}

