/** Nearest-rank percentile (q in [0, 1]) of the samples; null when there are none. */
export function percentile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The last `capacity` samples of a measurement (e.g. flush durations), for a rolling p99. */
export class RollingSamples {
  private readonly samples: number[] = [];
  private next = 0;

  constructor(private readonly capacity = 256) {}

  add(x: number): void {
    if (this.samples.length < this.capacity) this.samples.push(x);
    else this.samples[this.next] = x;
    this.next = (this.next + 1) % this.capacity;
  }

  percentile(q: number): number | null {
    return percentile(this.samples, q);
  }
}
