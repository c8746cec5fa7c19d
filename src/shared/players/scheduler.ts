/**
 * Where players get real time and frames from. Browsers pace by animation frames; Node and workers
 * by a timer; tests by a manual scheduler that they advance themselves, so clock behaviour is
 * tested without real time passing.
 */
export interface PlayerScheduler {
  /** Real (wall) time in ms, monotonic. */
  now(): number;
  /** Run `callback` once at the next frame; returns a cancel function. */
  requestFrame(callback: () => void): () => void;
}

/** requestAnimationFrame pacing (the renderer). Falls back to a 16 ms timer in hidden tabs/Node. */
export function animationFrameScheduler(): PlayerScheduler {
  const raf = (globalThis as { requestAnimationFrame?: (cb: () => void) => number }).requestAnimationFrame;
  const caf = (globalThis as { cancelAnimationFrame?: (id: number) => void }).cancelAnimationFrame;
  if (!raf || !caf) return timerScheduler();
  return {
    now: () => performance.now(),
    requestFrame(callback) {
      const id = raf(callback);
      return () => caf(id);
    },
  };
}

/** Timer pacing at `frameMs` (Node, workers). */
export function timerScheduler(frameMs = 16): PlayerScheduler {
  return {
    now: () => performance.now(),
    requestFrame(callback) {
      const id = setTimeout(callback, frameMs);
      return () => clearTimeout(id);
    },
  };
}

/**
 * A scheduler whose time only moves when told: `advance(ms)` steps time in frame-sized steps and
 * runs the frames due, `flush()` lets pending promises (data loads) settle. For tests.
 */
export class ManualScheduler implements PlayerScheduler {
  private time = 0;
  private callbacks = new Map<number, () => void>();
  private nextId = 1;

  constructor(readonly frameMs = 16) {}

  now(): number {
    return this.time;
  }

  requestFrame(callback: () => void): () => void {
    const id = this.nextId++;
    this.callbacks.set(id, callback);
    return () => this.callbacks.delete(id);
  }

  get pendingFrames(): number {
    return this.callbacks.size;
  }

  /** Run the frames requested so far (at the current time). */
  frame(): void {
    const due = [...this.callbacks.values()];
    this.callbacks.clear();
    for (const cb of due) cb();
  }

  /** Move time forward by `ms` in frame steps, running a frame after each step. */
  async advance(ms: number): Promise<void> {
    let left = ms;
    while (left > 0) {
      const step = Math.min(this.frameMs, left);
      this.time += step;
      left -= step;
      await settle();
      this.frame();
    }
    await settle();
  }

  /** Move time forward without running frames (a stalled tab or a long task). */
  skip(ms: number): void {
    this.time += ms;
  }

  /** Let pending async work (source queries) finish, then run the frames it requested. */
  async flush(rounds = 20): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await settle();
      this.frame();
    }
  }
}

/** Resolves after queued promise callbacks and I/O completions have run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}
