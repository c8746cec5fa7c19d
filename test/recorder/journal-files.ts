/** Reading a data root's journal back the way the compactor will: every *.ndjson, line by line. */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export interface JournalFile {
  path: string;
  station: string;
  date: string;
  name: string;
  /** Complete lines (without the newline). */
  lines: string[];
  /** Bytes after the last newline: a torn last line, or '' */
  tail: string;
}

export function readJournal(root: string, kind: 'journal' | 'quarantine' = 'journal'): JournalFile[] {
  const out: JournalFile[] = [];
  const base = join(root, kind);
  if (!existsSync(base)) return out;
  for (const s of readdirSync(base).sort()) {
    for (const d of readdirSync(join(base, s)).sort()) {
      for (const name of readdirSync(join(base, s, d)).sort()) {
        if (!name.endsWith('.ndjson')) continue;
        const path = join(base, s, d, name);
        const text = readFileSync(path, 'utf8');
        const cut = text.lastIndexOf('\n');
        out.push({
          path,
          station: s.replace('station=', ''),
          date: d.replace('date=', ''),
          name,
          lines: cut < 0 ? [] : text.slice(0, cut).split('\n'),
          tail: text.slice(cut + 1),
        });
      }
    }
  }
  return out;
}
