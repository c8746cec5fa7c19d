/** The compactor could not do its job (missing/unreadable journal, disk error, engine failure). */
export class CompactionError extends Error {}

/** Another live process is compacting the same day right now. */
export class DayBusyError extends CompactionError {}

/** The day has no journal folder. */
export class NoJournalError extends CompactionError {}
