import type { DecodeOptions } from './parquet';

/** Messages between the page and its Parquet decode workers. */
export type WorkerRequest =
  | { type: 'open'; id: number; file: string; size: number }
  | { type: 'decode'; id: number; file: string; size: number; rowGroups: number[]; options: DecodeOptions }
  | { type: 'bytes'; id: number; bytes?: Uint8Array; error?: string }
  /** Free the files whose key starts with `file` (a closed day's). */
  | { type: 'forget'; id: number; file: string };

export type WorkerReply =
  | { type: 'read'; id: number; file: string; offset: number; length: number }
  | { type: 'done'; id: number; ipc?: Uint8Array; rowGroups?: number; /** time spent decoding in the worker */ ms?: number }
  | { type: 'failed'; id: number; error: string };
