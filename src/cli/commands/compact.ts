/** `helios compact`: journal → Parquet for one day or every day that has a journal. */
import { relative } from 'node:path';
import type { Command } from './command';
import { CliError } from '../cli-error';
import { parseCommandArgs } from '../command-args';
import { existingDataRoot } from '../data-root-arg';
import type { DayRef } from '../../shared/api';
import { assertDayRef, type DataRoot } from '../../services/data-root';
import type { CompactDayResult, CompactProgress } from '../../services/compactor';
import { STATION_ID_PATTERN } from '../../shared/stations';
import { DATE_PATTERN } from '../../shared/time';

const usage = `usage: npm run -s helios -- compact --data DIR [--station S] [--date YYYY-MM-DD] [--threads N] [--rebuild]

Compacts <DIR>/journal/station=S/date=D/*.ndjson into typed Parquet under <DIR>/parquet/…
(one part-0000 file per channel, _manifest.json with row groups and timeline markers), reading
only what earlier compactions of the day (e.g. the live recorder's) have not. Lines that fail
validation go to <DIR>/quarantine/station=S/date=D/quarantine.ndjson; the command still exits 0.

  --data DIR      data root (required)
  --station S     only this station (default: every station with a journal)
  --date D        only this station-local date (default: every day with a journal)
  --threads N     validator worker threads (default: one per core, at most 4; 0 = on the main thread)
  --rebuild       compact each day's whole journal again, not only what is new

Exit status: 0 when every selected day was compacted (even if lines were quarantined), 1 when a day
could not be compacted, 2 for bad arguments or when there is nothing to compact.`;

const fmt = (n: number) => n.toLocaleString('en-US');
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

function summary(r: CompactDayResult, root: DataRoot): string {
  const t = r.manifest.totals;
  const channels = Object.values(r.manifest.channels);
  const bytes = channels.reduce((sum, c) => sum + c.bytes, 0);
  const parts = [
    `${fmt(t.lines_read)} lines → ${fmt(t.events_written)} rows in ${channels.length} channel${channels.length === 1 ? '' : 's'} (${mb(bytes)} Parquet from ${mb(r.journalBytes)} NDJSON)`,
  ];
  if (t.blank_lines) parts.push(`${fmt(t.blank_lines)} blank line${t.blank_lines === 1 ? '' : 's'} skipped`);
  if (t.upgraded) parts.push(`${fmt(t.upgraded)} upgraded`);
  parts.push(`${fmt(t.duplicates_dropped)} duplicate${t.duplicates_dropped === 1 ? '' : 's'} dropped`);
  const codes = Object.entries(r.quarantinedByCode).map(([code, n]) => `${code} ${fmt(n)}`).join(', ');
  parts.push(t.quarantined ? `${fmt(t.quarantined)} quarantined (${codes}) → ${relative(root.root, r.quarantinePath!)}` : '0 quarantined');
  if (r.pendingLines) parts.push(`${r.pendingLines} torn tail line(s) left for the next run`);
  const pass =
    r.pass === 'unchanged'
      ? ' (nothing new)'
      : r.pass === 'incremental'
        ? ` (${fmt(r.passLines)} new lines)`
        : r.fullReason && r.fullReason !== 'asked to compact from scratch'
          ? ` (compacted from scratch: ${r.fullReason})`
          : '';
  return `${r.station} ${r.date}: ${parts.join(', ')}; ${(r.elapsedMs / 1000).toFixed(1)} s${pass}`;
}

class Progress {
  private last = 0;
  constructor(private readonly enabled: boolean) {}
  update(p: CompactProgress): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100 && p.phase === 'validate') return;
    this.last = now;
    const pct = p.bytesTotal ? Math.floor((100 * p.bytesDone) / p.bytesTotal) : 100;
    const what = p.phase === 'validate' ? `${String(pct).padStart(3)}%  ${fmt(p.linesRead)} lines` : 'writing Parquet…';
    process.stderr.write(`\r\x1b[2Kcompacting ${p.station} ${p.date}  ${what}`);
  }
  clear(): void {
    if (this.enabled) process.stderr.write('\r\x1b[2K');
  }
}

export const compactCommand: Command = {
  name: 'compact',
  summary: 'compact journal days into typed Parquet (+ manifest, quarantine)',
  usage,
  async run(args) {
    const { values } = parseCommandArgs('compact', usage, {
      args,
      options: { data: { type: 'string' }, station: { type: 'string' }, date: { type: 'string' }, threads: { type: 'string' }, rebuild: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    });
    if (!values.data) throw new CliError(`compact: --data DIR is required\n${usage}`);
    if (values.station && !STATION_ID_PATTERN.test(values.station)) throw new CliError(`compact: invalid --station ${JSON.stringify(values.station)}`);
    if (values.date && !DATE_PATTERN.test(values.date)) throw new CliError(`compact: invalid --date ${JSON.stringify(values.date)} (expected YYYY-MM-DD)`);
    const threads = values.threads === undefined ? undefined : Number(values.threads);
    if (threads !== undefined && !(Number.isInteger(threads) && threads >= 0 && threads <= 64)) {
      throw new CliError(`compact: invalid --threads ${JSON.stringify(values.threads)} (0–64)`);
    }
    const root = await existingDataRoot('compact', values.data);

    let days: DayRef[];
    if (values.station && values.date) {
      days = [{ station_id: values.station, date: values.date }];
      assertDayRef(days[0]!);
    } else {
      days = (await root.journalDays()).filter(
        (d) => (!values.station || d.station_id === values.station) && (!values.date || d.date === values.date),
      );
    }
    if (days.length === 0) {
      const which = [values.station, values.date].filter(Boolean).join(' ');
      throw new CliError(`compact: no journal${which ? ` for ${which}` : ''} under ${root.root}/journal`);
    }

    // Loaded here so other commands do not pay for DuckDB's native binding at startup.
    const { compactDay } = await import('../../services/compactor');
    const progress = new Progress(Boolean(process.stderr.isTTY));
    const started = Date.now();
    let failed = 0;
    let rows = 0;
    let quarantined = 0;
    for (const day of days) {
      try {
        const result = await compactDay({
          dataRoot: root,
          station: day.station_id,
          date: day.date,
          threads,
          rebuild: values.rebuild,
          onProgress: (p) => progress.update(p),
          onWarning: (m) => {
            progress.clear();
            console.error(`helios compact: warning: ${m}`);
          },
        });
        progress.clear();
        console.log(summary(result, root));
        rows += result.manifest.totals.events_written;
        quarantined += result.manifest.totals.quarantined;
      } catch (e) {
        progress.clear();
        failed++;
        console.error(`helios compact: ${(e as Error).message}`);
      }
    }
    if (days.length > 1) {
      console.log(
        `compacted ${days.length - failed} of ${days.length} days: ${fmt(rows)} rows, ${fmt(quarantined)} quarantined${failed ? `, ${failed} failed` : ''}; ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    }
    return failed ? 1 : 0;
  },
};
