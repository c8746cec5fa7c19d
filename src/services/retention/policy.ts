/**
 * How long each tree of a data root is kept (docs/spec.md §8, defaults at the safe end of HELIOS's ranges):
 *
 *   journal   NDJSON journal days               14 days   (HELIOS: 7–14 days)
 *   raw       raw upstream captures             14 days   ("like journals")
 *   parquet   compacted days + their quarantine 24 months (HELIOS: 6–24 months)
 *   windows   the event windows of a day        60 months ("event-window deltas kept longer")
 *
 * A day expires when its date is more than that before the station's local today. When a Parquet
 * day expires, the rows recorded inside event windows (every row with a `window_id`: the deltas,
 * and the snapshots, trades and book events that give them their base, plus the `event_windows`
 * records) are first copied to `windows/station=S/date=D/` and kept until `windows_months`;
 * everything outside windows goes with the day. `windows_months` ≤ `parquet_months` keeps nothing
 * extra.
 */
import { z } from 'zod';

export const retentionPolicySchema = z
  .object({
    journal_days: z.number().int().min(1).max(36_500).default(14),
    raw_days: z.number().int().min(1).max(36_500).default(14),
    parquet_months: z.number().int().min(1).max(1200).default(24),
    windows_months: z.number().int().min(0).max(1200).default(60),
  })
  .strict()
  .refine((p) => p.parquet_months * 28 >= Math.max(p.journal_days, p.raw_days), {
    message: 'parquet_months must cover journal_days and raw_days (a journal is only deleted once its Parquet is checked)',
  });

export type RetentionPolicy = z.output<typeof retentionPolicySchema>;
export type RetentionPolicyInput = z.input<typeof retentionPolicySchema>;

export const DEFAULT_RETENTION: RetentionPolicy = retentionPolicySchema.parse({});

/** `date` minus `days` calendar days (both YYYY-MM-DD). */
export function minusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);
}

/** `date` minus `months` calendar months, the day clamped to the target month's length. */
export function minusMonths(date: string, months: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const index = y * 12 + (m - 1) - months;
  const year = Math.floor(index / 12);
  const month = index - year * 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return `${String(year).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-${String(Math.min(d, last)).padStart(2, '0')}`;
}

/** The first date each tree keeps, for a station whose local date is `today`: older days expire. */
export function keepFrom(policy: RetentionPolicy, today: string): Record<'journal' | 'raw' | 'parquet' | 'windows', string> {
  return {
    journal: minusDays(today, policy.journal_days),
    raw: minusDays(today, policy.raw_days),
    parquet: minusMonths(today, policy.parquet_months),
    windows: minusMonths(today, Math.max(policy.windows_months, policy.parquet_months)),
  };
}
