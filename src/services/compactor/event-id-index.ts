/**
 * event_id → a number (where it was first read), for every event of a day: an open-addressing
 * hash table over the UUIDs' 128 bits in typed arrays. The validator threads send each id as four
 * uint32 words, so the spooling thread never builds a string per line, and a million ids take
 * ~40 MB in a few flat arrays instead of a Map of strings.
 */
const EMPTY = -1;

export class EventIdIndex {
  private keys: Uint32Array;
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(capacity = 1 << 16) {
    const slots = 1 << Math.ceil(Math.log2(Math.max(16, capacity * 2)));
    this.keys = new Uint32Array(slots * 4);
    this.values = new Int32Array(slots).fill(EMPTY);
    this.mask = slots - 1;
  }

  get size(): number {
    return this.count;
  }

  /** The value stored for the id at `words[at..at+3]`, or undefined. */
  get(words: Uint32Array, at: number): number | undefined {
    const slot = this.find(words, at);
    const value = this.values[slot]!;
    return value === EMPTY ? undefined : value;
  }

  /** Stores `value` (≥ 0) for an id not yet in the index. */
  add(words: Uint32Array, at: number, value: number): void {
    if ((this.count + 1) * 2 > this.values.length) this.grow();
    this.put(this.find(words, at), words, at, value);
    this.count++;
  }

  private put(slot: number, words: Uint32Array, at: number, value: number): void {
    const k = slot * 4;
    this.keys[k] = words[at]!;
    this.keys[k + 1] = words[at + 1]!;
    this.keys[k + 2] = words[at + 2]!;
    this.keys[k + 3] = words[at + 3]!;
    this.values[slot] = value;
  }

  /** The slot holding the id, or the empty slot where it would go. */
  private find(words: Uint32Array, at: number): number {
    const w0 = words[at]!;
    const w1 = words[at + 1]!;
    const w2 = words[at + 2]!;
    const w3 = words[at + 3]!;
    // UUIDv7 starts with a timestamp: mix all four words so that sequential ids spread out.
    let h = Math.imul(w0 ^ Math.imul(w1, 0x9e3779b1) ^ Math.imul(w2, 0x85ebca77) ^ Math.imul(w3, 0xc2b2ae3d), 0x27d4eb2f);
    h ^= h >>> 15;
    let slot = h & this.mask;
    for (;;) {
      if (this.values[slot] === EMPTY) return slot;
      const k = slot * 4;
      if (this.keys[k] === w0 && this.keys[k + 1] === w1 && this.keys[k + 2] === w2 && this.keys[k + 3] === w3) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private grow(): void {
    const { keys, values } = this;
    this.keys = new Uint32Array(keys.length * 2);
    this.values = new Int32Array(values.length * 2).fill(EMPTY);
    this.mask = this.values.length - 1;
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot] === EMPTY) continue;
      this.put(this.find(keys, slot * 4), keys, slot * 4, values[slot]!);
    }
  }
}
