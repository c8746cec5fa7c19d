/** Retention of a data root (docs/spec.md §8): what expires, what is kept past its age and why, and the daily run. */
export { retentionPolicySchema, DEFAULT_RETENTION, keepFrom, type RetentionPolicy, type RetentionPolicyInput } from './policy';
export { planRetention, applyRetention, TREES, type Tree, type RetentionItem, type RetentionPlan, type RetentionReport, type AppliedItem } from './retention';
export { startDailyRetention, RETENTION_EVERY_MS, type DailyRetention, type DailyRetentionOptions } from './daily';
