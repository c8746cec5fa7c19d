/**
 * The day's quarantine file (`quarantine/station=S/date=D/quarantine.ndjson`): the records of
 * every pass (kept per pass in the generation's `.state/`) plus the rejected unterminated last
 * lines, in journal file/line order — what one compaction of the whole journal writes. Replaced
 * atomically; removed when nothing is quarantined.
 */
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic-files';
import { quarantineRecord } from './spool-journal';
import type { Rejected } from './validate-lines';

export const QUARANTINE_FILE = 'quarantine.ndjson';

const KEY = /^\{"file":("(?:[^"\\]|\\.)*"),"line":(\d+),/;

/** Writes (or removes) the quarantine file in `dir` from the passes' files and the tails; returns its path or null. */
export async function publishQuarantine(dir: string, passFiles: string[], tails: { file: string; rejected: Rejected }[]): Promise<string | null> {
  const path = join(dir, QUARANTINE_FILE);
  const records: { file: string; line: number; text: string }[] = [];
  for (const passFile of passFiles) {
    for (const text of (await readFile(passFile, 'utf8')).split('\n')) {
      if (text === '') continue;
      const m = KEY.exec(text);
      if (!m) throw new Error(`${passFile}: not a quarantine record: ${text.slice(0, 80)}`);
      records.push({ file: JSON.parse(m[1]!) as string, line: Number(m[2]), text });
    }
  }
  for (const t of tails) records.push({ file: t.file, line: t.rejected.line, text: quarantineRecord(t.file, t.rejected) });
  if (records.length === 0) {
    await rm(path, { force: true });
    return null;
  }
  records.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(path, dir, QUARANTINE_FILE, records.map((r) => r.text).join('\n') + '\n');
  return path;
}
