/** `helios retention`: what expires in a data root (dry run), and deleting it (`--apply`). */
import type { Command } from './command';
import { CliError } from '../cli-error';
import { parseCommandArgs } from '../command-args';
import { existingDataRoot } from '../data-root-arg';
import { readConfigSection } from '../../services/config-file';
import { describeZodError } from '../../shared/registry';
import { retentionPolicySchema, type AppliedItem, type RetentionItem, type RetentionPolicy } from '../../services/retention';

const usage = `usage: npm run -s helios -- retention --data DIR [--apply] [policy options]

Lists what has outlived the retention policy under DIR (a dry run: nothing is deleted), with its
size; --apply deletes it. A journal (or raw capture) day is deleted only when the day's Parquet is
complete: present, intact (manifest, every file, every footer) and compacted after the journal's
last write; otherwise it is kept and the reason is printed. When a Parquet day expires, the rows it
recorded inside event windows are kept under DIR/windows/ until --windows-months.

  --data DIR            data root (required)
  --apply               delete (default: only print what would be deleted)
  --config FILE         a JSON file whose "retention" section sets the policy, e.g.
                        {"retention": {"journal_days": 7, "parquet_months": 6}}
  --journal-days N      keep journal days for N days (default 14)
  --raw-days N          keep raw captures for N days (default 14)
  --parquet-months N    keep compacted days and their quarantine for N months (default 24)
  --windows-months N    keep the event windows of expired days for N months (default 60; 0 = not
                        beyond the day)

Options override the config file. Ages count from each station's local today.
Exit status: 0 when everything due was deleted or nothing is due (kept days included), 1 when a
deletion failed, 2 for bad arguments.`;

const FLAGS = {
  'journal-days': 'journal_days',
  'raw-days': 'raw_days',
  'parquet-months': 'parquet_months',
  'windows-months': 'windows_months',
} as const;

function formatBytes(bytes: number): string {
  if (bytes < 1e3) return `${bytes} B`;
  if (bytes < 1e6) return `${(bytes / 1e3).toFixed(1)} kB`;
  if (bytes < 1e9) return `${(bytes / 1e6).toFixed(1)} MB`;
  return `${(bytes / 1e9).toFixed(2)} GB`;
}

function itemLine(verb: string, item: RetentionItem, detail?: string): string {
  return `${verb.padEnd(12)} ${item.tree.padEnd(10)} ${item.day.station_id} ${item.day.date}  ${formatBytes(item.bytes).padStart(9)}  ${detail ?? item.reason}`;
}

async function policyFrom(values: Record<string, string | boolean | undefined>): Promise<RetentionPolicy> {
  let base: Record<string, unknown> = {};
  if (typeof values.config === 'string') {
    try {
      base = await readConfigSection(values.config, 'retention', retentionPolicySchema);
    } catch (e) {
      throw new CliError(`retention: ${(e as Error).message}`);
    }
  }
  const overrides: Record<string, number> = {};
  for (const [flag, key] of Object.entries(FLAGS)) {
    const text = values[flag];
    if (typeof text !== 'string') continue;
    const n = Number(text);
    if (!/^\d+$/.test(text)) throw new CliError(`retention: --${flag} must be a whole number, got ${JSON.stringify(text)}`);
    overrides[key] = n;
  }
  const parsed = retentionPolicySchema.safeParse({ ...base, ...overrides });
  if (!parsed.success) throw new CliError(`retention: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export const retentionCommand: Command = {
  name: 'retention',
  summary: 'list (or --apply: delete) journal, raw and Parquet days past the retention policy',
  usage,
  async run(args) {
    const { values } = parseCommandArgs('retention', usage, {
      args,
      options: {
        data: { type: 'string' },
        apply: { type: 'boolean', default: false },
        config: { type: 'string' },
        ...Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
      },
      strict: true,
      allowPositionals: false,
    });
    if (!values.data) throw new CliError(`retention: --data DIR is required\n${usage}`);
    const policy = await policyFrom(values);
    const dataRoot = await existingDataRoot('retention', values.data);
    const { planRetention, applyRetention } = await import('../../services/retention');
    const policyText = `journal ${policy.journal_days} d, raw ${policy.raw_days} d, Parquet ${policy.parquet_months} mo, windows ${policy.windows_months} mo`;

    if (!values.apply) {
      const plan = await planRetention({ dataRoot, policy });
      for (const item of plan.items) console.log(itemLine(item.action === 'delete' ? 'would delete' : 'keeping', item));
      const deletions = plan.items.filter((i) => i.action === 'delete');
      const kept = plan.items.length - deletions.length;
      console.log(
        deletions.length === 0 && kept === 0
          ? `nothing past the policy (${policyText})`
          : `would free ${formatBytes(plan.bytes)} (${countsText(deletions)})${kept ? `; ${kept} day(s) kept past their age, see above` : ''}; policy: ${policyText}. Run with --apply to delete.`,
      );
      return 0;
    }

    const report = await applyRetention({
      dataRoot,
      policy,
      onItem: (item: AppliedItem) => {
        const verb = item.outcome === 'deleted' ? 'deleted' : item.outcome === 'kept' ? 'keeping' : 'FAILED';
        const windows = item.windowRows ? `; ${item.windowRows} event-window rows kept in windows/` : '';
        console.log(itemLine(verb, item, `${item.detail ?? item.reason}${windows}`));
      },
    });
    const deleted = report.items.filter((i) => i.outcome === 'deleted');
    const failed = report.items.filter((i) => i.outcome === 'failed').length;
    console.log(
      report.items.length === 0
        ? `nothing past the policy (${policyText})`
        : `freed ${formatBytes(report.freed)} (${countsText(deleted)})${failed ? `; ${failed} FAILED` : ''}; policy: ${policyText}`,
    );
    return failed ? 1 : 0;
  },
};

function countsText(items: RetentionItem[]): string {
  if (items.length === 0) return 'nothing';
  const by = new Map<string, number>();
  for (const i of items) by.set(i.tree, (by.get(i.tree) ?? 0) + 1);
  return [...by].map(([tree, n]) => `${n} ${tree} day${n === 1 ? '' : 's'}`).join(', ');
}
