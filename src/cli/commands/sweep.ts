/** `helios sweep`: what each window-trigger setting of a grid would have captured on recorded days. */
import { readFile } from 'node:fs/promises';
import type { Command } from './command';
import { CliError } from '../cli-error';
import { parseCommandArgs } from '../command-args';
import { describeZodError } from '../../shared/registry';
import { DEFAULT_STATION, STATION_ID_PATTERN } from '../../shared/stations';
import { datesBetween, DATE_PATTERN } from '../../shared/time';
import { readRecordingConfig, resolveRecordingConfig, type RecordingConfig } from '../../services/recorder/config';
import { configOf, DEFAULT_GRID, gridSchema, settingsOf, type Grid } from '../../services/sweep/grid';
import type { SweepRecord, SweepResult } from '../../services/sweep/sweep';

const usage = `usage: npm run -s helios -- sweep --data DIR --station S --from YYYY-MM-DD [--to YYYY-MM-DD]
                          [--grid FILE] [--settings FILE] [--format table|json|csv]
       npm run -s helios -- sweep --inputs sim --from D [--to D] [--seed N] [--tokens N] […]

Replays each day's l2_snap_1s, metar_obs and pws_cluster (and the analyst's MANUAL windows)
through the recorder's own window triggers for every setting of a grid, reading each day once,
and reports per setting: windows, covered_s, covered_share, moves (1 s mid moves of ≥ 3 ticks on
a trusted book), moves_in_window, moves_share, est_delta_bytes (the deltas it would have kept, from
the day's change rate), and how many of the day's recorded windows it finds. The settings in
force are marked *, the one that captures the most moves for no more covered time +.

  --data DIR         data root with compacted days (parquet/station=S/date=D/…)
  --station S        station (default KLGA)
  --from D, --to D   station-local dates, both included (--to defaults to --from)
  --grid FILE        JSON {"<parameter>": [values…]} over the recording config's trigger and window
                     parameters (e.g. midShockTicks, midShockMinMove, depthCliffShares, metarS) and
                     window_s (every market window's length); default: midShockTicks 2,3,4,6,8 ×
                     midShockMinMove 0.01,0.02,0.03 × window_s 60,120,180
  --settings FILE    the recording settings in force (a recording config JSON, as \`record --settings\`
                     takes); default: the recorder's defaults
  --format F         table (default), json (one JSON array) or csv
  --inputs sim       instead of recorded snapshots, regenerate the simulator's days from --seed
                     (default 1) and --tokens (default 8) and run every message through the recorder

Exit status: 0 on success, 1 when a day cannot be read, 2 for bad arguments.`;

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`sweep: cannot read ${what} ${path}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CliError(`sweep: ${what} ${path} is not JSON: ${(e as Error).message}`);
  }
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const hours = (s: number) => (s >= 3600 ? `${(s / 3600).toFixed(2)} h` : `${(s / 60).toFixed(1)} min`);

function table(result: SweepResult, records: SweepRecord[]): string {
  const params = Object.keys(result.rows[0]?.params ?? {});
  const header = [' ', ...params, 'windows', 'covered_s', 'covered', 'moves', 'in_window', 'captured', 'est_delta_bytes', 'found'];
  const lines = records.map((r, i) => {
    const row = result.rows[i]!;
    return [
      `${row.current ? '*' : ' '}${row.best ? '+' : ' '}`,
      ...params.map((p) => String(r[p])),
      String(row.windows),
      row.covered_s.toFixed(0),
      pct(row.covered_share),
      String(row.moves),
      String(row.moves_in_window),
      pct(row.moves_share),
      row.est_delta_bytes.toLocaleString('en-US'),
      `${row.found_recorded}/${row.recorded_windows}`,
    ];
  });
  const widths = header.map((h, c) => Math.max(h.length, ...lines.map((l) => l[c]!.length)));
  const fmt = (cells: string[]) => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [fmt(header), ...lines.map(fmt)];
  const describe = (i: number) => params.map((p) => `${p}=${records[i]![p]}`).join(' ');
  const current = result.rows.findIndex((r) => r.current);
  const best = result.rows.findIndex((r) => r.best);
  const days = result.dates.length;
  const settingsPerSecond = (result.rows.length * days) / (result.elapsed_ms / 1000);
  out.push('');
  out.push(
    `${result.station_id} ${result.dates[0]}${days > 1 ? ` … ${result.dates.at(-1)}` : ''} (${days} day${days === 1 ? '' : 's'}, ${hours(result.day_s)}): ` +
      `${result.rows.length} settings in ${(result.elapsed_ms / 1000).toFixed(1)} s (${settingsPerSecond.toFixed(settingsPerSecond < 1 ? 3 : 1)} settings×days/s); ${result.rows[0]?.moves ?? 0} moves of ≥ 3 ticks`,
  );
  if (current >= 0) {
    const c = result.rows[current]!;
    out.push(`current *: ${describe(current)}: ${c.windows} windows, ${hours(c.covered_s)} covered (${pct(c.covered_share)}), ${c.moves_in_window}/${c.moves} moves (${pct(c.moves_share)}); finds ${c.found_recorded} of the ${c.recorded_windows} recorded windows`);
    const b = result.rows[best]!;
    out.push(
      best === current
        ? 'best +: the current setting captures the most moves for its covered time'
        : `best + for no more covered time: ${describe(best)}: ${b.moves_in_window}/${b.moves} moves (${pct(b.moves_share)}) in ${hours(b.covered_s)} (${pct(b.covered_share)})`,
    );
  }
  return out.join('\n');
}

function csv(records: SweepRecord[]): string {
  const keys = Object.keys(records[0] ?? {});
  return [keys.join(','), ...records.map((r) => keys.map((k) => String(r[k])).join(','))].join('\n');
}

export const sweepCommand: Command = {
  name: 'sweep',
  summary: 'what each window-trigger setting of a grid would have captured on recorded days',
  usage,
  async run(args) {
    const { values } = parseCommandArgs('sweep', usage, {
      args,
      options: {
        data: { type: 'string' },
        station: { type: 'string', default: DEFAULT_STATION },
        from: { type: 'string' },
        to: { type: 'string' },
        grid: { type: 'string' },
        settings: { type: 'string' },
        format: { type: 'string', default: 'table' },
        inputs: { type: 'string' },
        seed: { type: 'string', default: '1' },
        tokens: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    });
    if (values.inputs !== undefined && values.inputs !== 'sim') throw new CliError(`sweep: --inputs must be sim, got ${JSON.stringify(values.inputs)}`);
    if (!values.data && values.inputs === undefined) throw new CliError(`sweep: --data DIR is required\n${usage}`);
    if (!STATION_ID_PATTERN.test(values.station)) throw new CliError(`sweep: invalid --station ${JSON.stringify(values.station)}`);
    if (!values.from || !DATE_PATTERN.test(values.from)) throw new CliError(`sweep: --from YYYY-MM-DD is required`);
    const to = values.to ?? values.from;
    if (!DATE_PATTERN.test(to) || to < values.from) throw new CliError(`sweep: invalid --to ${JSON.stringify(values.to)} (YYYY-MM-DD, not before --from)`);
    const dates = datesBetween(values.from, to);
    if (dates.length > 366) throw new CliError(`sweep: ${dates.length} days is more than a year`);
    if (!['table', 'json', 'csv'].includes(values.format)) throw new CliError(`sweep: --format must be table, json or csv`);
    const tokens = values.tokens === undefined ? undefined : Number(values.tokens);
    if (tokens !== undefined && !(Number.isInteger(tokens) && tokens >= 6 && tokens <= 12)) throw new CliError(`sweep: invalid --tokens ${JSON.stringify(values.tokens)} (6–12)`);

    let grid: Grid = DEFAULT_GRID;
    if (values.grid) {
      const parsed = gridSchema.safeParse(await readJson(values.grid, 'grid'));
      if (!parsed.success) throw new CliError(`sweep: grid ${values.grid}: ${describeZodError(parsed.error)}`);
      grid = parsed.data;
    }
    let current: RecordingConfig;
    try {
      current = values.settings ? await readRecordingConfig(values.settings) : resolveRecordingConfig();
    } catch (e) {
      throw new CliError(`sweep: ${(e as Error).message}`);
    }

    try {
      for (const setting of settingsOf(grid)) configOf(current, setting);
    } catch (e) {
      throw new CliError(`sweep: grid ${values.grid ?? '(default)'}: ${(e as Error).message}`);
    }

    // Loaded here so other commands do not pay for DuckDB's native binding at startup.
    const sweep = await import('../../services/sweep/sweep');
    const progress = Boolean(process.stderr.isTTY);
    const common = {
      station: values.station,
      dates,
      grid,
      current,
      onProgress: progress ? (p: { fraction: number; date: string }) => process.stderr.write(`\r\x1b[2Ksweeping ${p.date}  ${Math.floor(100 * p.fraction)}%`) : undefined,
    };
    let result: SweepResult;
    try {
      result =
        values.inputs === 'sim'
          ? await sweep.sweepSimulatedDays({ ...common, seed: values.seed, tokens })
          : await sweep.sweepRecordedDays({ ...common, dataRoot: values.data! });
    } catch (e) {
      if (progress) process.stderr.write('\r\x1b[2K');
      throw new CliError(`sweep: ${(e as Error).message}`, 1);
    }
    if (progress) process.stderr.write('\r\x1b[2K');
    const records = sweep.sweepRecords(result);
    if (values.format === 'json') console.log(JSON.stringify(records));
    else if (values.format === 'csv') console.log(csv(records));
    else console.log(table(result, records));
    return 0;
  },
};
