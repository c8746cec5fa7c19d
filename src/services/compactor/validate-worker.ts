/** Worker thread entry: validates journal chunks (see validate-lines.ts) and posts the results. */
import { parentPort, workerData } from 'node:worker_threads';
import { validateChunk, type ChunkJob, type ChunkResult, type DayPartition } from './validate-lines';

const day = workerData as DayPartition;
parentPort!.on('message', (job: ChunkJob) => {
  let result: ChunkResult;
  try {
    result = validateChunk(job, day);
  } catch (error) {
    parentPort!.postMessage({ seq: job.seq, error: (error as Error).stack ?? String(error) });
    return;
  }
  const a = result.accepted;
  const arrays = [result.bytes, a.line, a.ch, a.version, a.ts, a.start, a.end, a.spoolEnd, a.ids, ...result.spools.filter((b) => b !== null)];
  const transfer = arrays.map((x) => x.buffer as ArrayBuffer);
  parentPort!.postMessage(result, [...new Set(transfer)]);
});
