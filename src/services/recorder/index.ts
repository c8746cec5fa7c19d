/** The recorder's public surface: sessions (live and day synthesis) and the parts they are made of. */
export {
  startRecording,
  recordDay,
  type FiniteSource,
  type RecordingSession,
  type RecordDayOptions,
  type SessionStats,
  type StartRecordingOptions,
} from './session';
export { Recorder, type RecorderOptions, type RecorderStats, type Rejection, type WriterHealth } from './recorder';
export { JournalWriter, type JournalWriterOptions, type JournalWriterStats } from './journal-writer';
export { RingBuffers } from './ring-buffers';
export { EventWindowManager } from './event-windows';
export { resolveRecordingConfig, recordingConfigSchema, type RecordingConfig, type RecordingConfigInput } from './config';
