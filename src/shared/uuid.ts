/**
 * UUIDv7 (RFC 9562): 48-bit Unix ms timestamp, then random bits, so event ids sort by creation
 * time. Monotonic within one process: ids created in the same millisecond increment a 12-bit
 * counter (rand_a) instead of re-randomizing, as RFC 9562 §6.2 method 1 allows.
 */
const HEX_CODES: number[] = Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
const codes: number[] = new Array<number>(36).fill(0);
const bytes = new Uint8Array(16);
const random = new Uint8Array(10);
// crypto.getRandomValues costs ~5 µs per call (it crosses into C++), most of an event's stamping
// cost on the recorder's hot path; drawing 10 bytes at a time from a 4 KiB pool costs ~0.1 µs.
const pool = new Uint8Array(4096);
let poolAt = pool.length;
function fillRandom(): void {
  if (poolAt + random.length > pool.length) {
    crypto.getRandomValues(pool);
    poolAt = 0;
  }
  random.set(pool.subarray(poolAt, poolAt + random.length));
  poolAt += random.length;
}
let lastMs = -1;
let counter = 0;

export function uuidv7(nowMs: number = Date.now()): string {
  let ms = Math.floor(nowMs);
  if (ms <= lastMs) {
    counter++;
    if (counter > 0xfff) {
      lastMs++;
      counter = 0;
    }
    ms = lastMs;
  } else {
    lastMs = ms;
    counter = 0;
  }
  fillRandom();
  if (counter === 0) counter = random[0]! & 0x7ff; // random start, leaving room to count up
  const b = bytes;
  b[0] = Math.floor(ms / 2 ** 40) & 0xff;
  b[1] = Math.floor(ms / 2 ** 32) & 0xff;
  b[2] = (ms >>> 24) & 0xff;
  b[3] = (ms >>> 16) & 0xff;
  b[4] = (ms >>> 8) & 0xff;
  b[5] = ms & 0xff;
  b[6] = 0x70 | ((counter >>> 8) & 0x0f);
  b[7] = counter & 0xff;
  b[8] = 0x80 | (random[1]! & 0x3f);
  for (let i = 9; i < 16; i++) b[i] = random[i - 7]!;
  // One flat string from char codes: `s += …` would leave a chain of ~14 cons-string nodes in every
  // id, which the GC then has to trace for as long as the event is kept (ring buffers, queues).
  let j = 0;
  for (let i = 0; i < 16; i++) {
    const byte = b[i]!;
    codes[j++] = HEX_CODES[byte >> 4]!;
    codes[j++] = HEX_CODES[byte & 15]!;
    if (i === 3 || i === 5 || i === 7 || i === 9) codes[j++] = 45; // '-'
  }
  return String.fromCharCode.apply(null, codes);
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Creation time of a UUIDv7 in epoch ms. */
export function uuidv7Time(id: string): number {
  return parseInt(id.replace(/-/g, '').slice(0, 12), 16);
}
