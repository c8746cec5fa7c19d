/** The compactor: NDJSON journal → typed, partitioned Parquet + manifest (docs/data-format.md). */
export { compactDay, rowGroupSize, QUARANTINE_FILE, type CompactDayOptions, type CompactDayResult, type CompactProgress } from './compact-day';
export { CompactionProcess, compactInChildProcess, type ChildCompactOptions } from './child-compaction';
export { CompactionError, DayBusyError, NoJournalError } from './errors';
export { startPeriodicCompaction, type PeriodicCompaction, type PeriodicCompactionOptions } from './periodic';
export { DEFAULT_SHOCK_THRESHOLD } from './markers';
export type { QuarantineCode } from './validate-lines';
