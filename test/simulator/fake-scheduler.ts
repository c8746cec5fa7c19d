import type { Scheduler } from '../../src/services/clock';

/** A controllable wall clock: tasks run only when the test advances time. */
export class FakeScheduler implements Scheduler {
  private t: number;
  private seq = 0;
  private tasks: { at: number; seq: number; fn: () => void }[] = [];

  constructor(startMs = 1_000_000) {
    this.t = startMs;
  }

  now(): number {
    return this.t;
  }

  schedule(fn: () => void, delayMs: number): () => void {
    const task = { at: this.t + Math.max(0, delayMs), seq: this.seq++, fn };
    this.tasks.push(task);
    return () => {
      this.tasks = this.tasks.filter((x) => x !== task);
    };
  }

  get pending(): number {
    return this.tasks.length;
  }

  /** Run every task due up to now + ms (including tasks they schedule), in time order. */
  async advance(ms: number): Promise<void> {
    const until = this.t + ms;
    for (;;) {
      this.tasks.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.tasks[0];
      if (!next || next.at > until) break;
      this.tasks.shift();
      this.t = Math.max(this.t, next.at);
      next.fn();
      await Promise.resolve(); // let code awaiting a task (start()'s fast-forward) continue
    }
    this.t = until;
  }
}
