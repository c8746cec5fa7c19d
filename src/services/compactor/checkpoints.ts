/**
 * The boundaries between a compaction pass's steps, in order. The crash test kills a compaction
 * at each: `HELIOS_COMPACT_KILL_AT=<step>` makes the compacting process SIGKILL itself there.
 */
export const COMPACTION_STEPS = [
  'locked',
  'spooled',
  'parts-written',
  'linked',
  'merged',
  'manifest-written',
  'generation-renamed',
  'legacy-moved',
  'switched',
  'quarantine-published',
  'cleaned',
] as const;
export type CompactionStep = (typeof COMPACTION_STEPS)[number];

const killAt = process.env.HELIOS_COMPACT_KILL_AT;

export function checkpoint(step: CompactionStep): void {
  if (killAt === step) process.kill(process.pid, 'SIGKILL');
}
