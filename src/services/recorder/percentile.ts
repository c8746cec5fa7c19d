/** Nearest-rank percentile (q in [0, 1]) of the samples; null when there are none. */
export function percentile(samples: readonly number[], q: number): number | null {
  if (samples.length === 0) return null;
  const rank = Math.min(samples.length - 1, Math.max(0, Math.ceil(q * samples.length) - 1));
  // Quickselect on a copy: the recorder takes a p99 of a few thousand samples per hop every
  // health interval, and a full sort of each was a visible share of a synthesized day.
  return select(Float64Array.from(samples), rank);
}

/** The k-th smallest value (0-based) of `xs`, reordering it (Hoare partition, middle pivot). */
function select(xs: Float64Array, k: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo < hi) {
    const pivot = xs[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (xs[i]! < pivot) i++;
      while (xs[j]! > pivot) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i] = xs[j]!;
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return xs[k]!;
  }
  return xs[k]!;
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
