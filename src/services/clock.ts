/**
 * Time for the services, injectable so tests and accelerated recordings control it.
 *   Clock      what "now" is for a recording: the wall clock, or a simulator's virtual clock.
 *   Scheduler  wall time and timers as a paced source (the simulator, a capture replay) uses them.
 * (The replay players pace by frames instead: shared/players/scheduler.ts.)
 */
export interface Clock {
  /** Epoch ms. */
  now(): number;
}

export const wallClock: Clock = { now: () => Date.now() };

export interface Scheduler {
  /** Wall-clock epoch ms. */
  now(): number;
  /** Run `fn` after `delayMs` (≤ 0: as soon as the event loop is free). Returns a cancel function. */
  schedule(fn: () => void, delayMs: number): () => void;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(fn, delayMs) {
    if (delayMs <= 0) {
      const handle = setImmediate(fn);
      return () => clearImmediate(handle);
    }
    const handle = setTimeout(fn, delayMs);
    return () => clearTimeout(handle);
  },
};
