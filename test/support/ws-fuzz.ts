/**
 * Malformed WebSocket frames, hand-built and sent over raw TCP to any WebSocket endpoint (the web
 * bridge's /live, the headless server's socket): for each frame, a fresh connection does the
 * HTTP upgrade, writes the frame's bytes and waits for the server's close frame (or the socket to
 * close). Server-independent: point `FuzzTarget` at a host, port, path and the headers it needs.
 */
import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import fc from 'fast-check';

export interface FuzzTarget {
  host: string;
  port: number;
  path: string;
  /** Extra handshake headers (Origin, Authorization, …). Host is set from host:port. */
  headers?: Record<string, string>;
}

export interface FrameCase {
  name: string;
  /** Everything written after the handshake. */
  bytes: Buffer;
  /** Close codes a conforming server answers with; undefined: anything (random input). */
  expectCodes?: number[];
}

export interface FuzzOutcome {
  name: string;
  /** The server's close code, null when it closed without one (or never did). */
  closeCode: number | null;
  /** The server closed the connection within the timeout. */
  closed: boolean;
  /** Handshake refused (no 101): the frame was never sent. */
  refused: boolean;
}

export interface FrameSpec {
  fin?: boolean;
  /** RSV1..3 as bits 4..6 of the first byte: 0–7. */
  rsv?: number;
  opcode: number;
  payload?: Uint8Array;
  mask?: boolean;
  /** Length to announce instead of the payload's (a lie, or an impossible 64-bit length). */
  announcedLength?: bigint;
}

/** One WebSocket frame as a client writes it (masked unless told otherwise). */
export function frame({ fin = true, rsv = 0, opcode, payload = new Uint8Array(0), mask = true, announcedLength }: FrameSpec): Buffer {
  const length = announcedLength ?? BigInt(payload.length);
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  let ext = Buffer.alloc(0);
  if (length < 126n) head.push(maskBit | Number(length));
  else if (length < 65536n) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(Number(length));
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(length);
  }
  const key = mask ? randomBytes(4) : Buffer.alloc(0);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= key[i & 3]!;
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

const text = (s: string) => new TextEncoder().encode(s);
const closePayload = (code: number, reason: Uint8Array = new Uint8Array(0)) => {
  const b = Buffer.alloc(2 + reason.length);
  b.writeUInt16BE(code);
  b.set(reason, 2);
  return b;
};
const PROTOCOL_ERROR = [1002];

/**
 * The seven frames of issue #13 that each crashed the bridge, then more protocol violations a
 * conforming server must answer with a close code. `maxMessageBytes`: the server's message cap.
 */
export function malformedFrames(maxMessageBytes: number): FrameCase[] {
  const over = new Uint8Array(maxMessageBytes + 1).fill(0x61);
  return [
    { name: 'message over the size cap', bytes: frame({ opcode: 1, payload: over }), expectCodes: [1009] },
    { name: 'invalid UTF-8 in a text frame', bytes: frame({ opcode: 1, payload: Uint8Array.of(0x7b, 0xff, 0xfe, 0x7d) }), expectCodes: [1007] },
    { name: 'unmasked client frame', bytes: frame({ opcode: 1, payload: text('{}'), mask: false }), expectCodes: PROTOCOL_ERROR },
    { name: 'RSV1 bit without an extension', bytes: frame({ opcode: 1, rsv: 4, payload: text('{}') }), expectCodes: PROTOCOL_ERROR },
    { name: 'reserved opcode 0x3', bytes: frame({ opcode: 3, payload: text('{}') }), expectCodes: PROTOCOL_ERROR },
    { name: 'close code 999', bytes: frame({ opcode: 8, payload: closePayload(999) }), expectCodes: PROTOCOL_ERROR },
    { name: '2^63 payload length', bytes: frame({ opcode: 2, announcedLength: 2n ** 63n }), expectCodes: [1009] },
    // more of the same kind
    { name: 'RSV2 and RSV3 bits', bytes: frame({ opcode: 1, rsv: 3, payload: text('{}') }), expectCodes: PROTOCOL_ERROR },
    { name: 'reserved control opcode 0xB', bytes: frame({ opcode: 0xb }), expectCodes: PROTOCOL_ERROR },
    { name: 'continuation without a first fragment', bytes: frame({ opcode: 0, payload: text('x') }), expectCodes: PROTOCOL_ERROR },
    { name: 'fragmented ping', bytes: frame({ opcode: 9, fin: false, payload: text('p') }), expectCodes: PROTOCOL_ERROR },
    { name: 'ping over 125 bytes', bytes: frame({ opcode: 9, payload: new Uint8Array(126) }), expectCodes: PROTOCOL_ERROR },
    { name: 'close with a 1-byte payload', bytes: frame({ opcode: 8, payload: Uint8Array.of(3) }), expectCodes: PROTOCOL_ERROR },
    { name: 'close code 1005 (never sent)', bytes: frame({ opcode: 8, payload: closePayload(1005) }), expectCodes: PROTOCOL_ERROR },
    { name: 'close code 5000', bytes: frame({ opcode: 8, payload: closePayload(5000) }), expectCodes: PROTOCOL_ERROR },
    {
      name: 'close reason not UTF-8',
      bytes: frame({ opcode: 8, payload: closePayload(1000, Uint8Array.of(0xc3, 0x28)) }),
      expectCodes: [1007],
    },
    {
      name: 'new text frame inside a fragmented message',
      bytes: Buffer.concat([frame({ opcode: 1, fin: false, payload: text('{"ty') }), frame({ opcode: 1, payload: text('pe"}') })]),
      expectCodes: PROTOCOL_ERROR,
    },
    {
      name: 'fragments adding up over the size cap',
      bytes: Buffer.concat([
        frame({ opcode: 1, fin: false, payload: over.subarray(0, maxMessageBytes / 2) }),
        frame({ opcode: 0, payload: over.subarray(0, maxMessageBytes / 2 + 1) }),
      ]),
      expectCodes: [1009],
    },
    { name: 'invalid UTF-8 split across fragments', bytes: Buffer.concat([frame({ opcode: 1, fin: false, payload: Uint8Array.of(0xe2, 0x82) }), frame({ opcode: 0, payload: Uint8Array.of(0x28) })]), expectCodes: [1007] },
    { name: '64-bit length over 2^53', bytes: frame({ opcode: 1, announcedLength: 2n ** 53n + 1n }), expectCodes: [1009] },
  ];
}

/**
 * `count` random inputs, reproducible by `seed`: frames with random header bits, opcodes, masks,
 * lengths (true, lying or huge) and payloads, a valid frame followed by garbage, and plain noise.
 */
export function randomFrames(seed: number, count: number): FrameCase[] {
  const spec = fc.record({
    fin: fc.boolean(),
    rsv: fc.integer({ min: 0, max: 7 }),
    opcode: fc.integer({ min: 0, max: 15 }),
    mask: fc.boolean(),
    payload: fc.uint8Array({ maxLength: 300 }),
    announcedLength: fc.option(fc.constantFrom(0n, 1n, 125n, 126n, 65535n, 65536n, 2n ** 32n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n)),
  });
  const input = fc.oneof(
    spec.map((s) => frame({ ...s, announcedLength: s.announcedLength ?? undefined })),
    fc.tuple(spec, fc.uint8Array({ minLength: 1, maxLength: 64 })).map(([s, noise]) => Buffer.concat([frame({ ...s, announcedLength: undefined }), noise])),
    fc.uint8Array({ minLength: 1, maxLength: 256 }).map((b) => Buffer.from(b)),
  );
  return fc.sample(input, { seed, numRuns: count }).map((bytes, i) => ({ name: `random #${i} (seed ${seed})`, bytes }));
}

/** Send one case on a fresh connection and report how the server ended it. */
export function sendCase(target: FuzzTarget, c: FrameCase, timeoutMs = 3000): Promise<FuzzOutcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect(target.port, target.host);
    let received = Buffer.alloc(0);
    let upgraded = false;
    let closeCode: number | null = null;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ name: c.name, closeCode, closed, refused: !upgraded });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('error', () => finish(true)); // a reset counts as closed
    socket.on('close', () => finish(true));
    socket.on('connect', () => {
      const headers = {
        Host: `${target.host}:${target.port}`,
        Upgrade: 'websocket',
        Connection: 'Upgrade',
        'Sec-WebSocket-Key': randomBytes(16).toString('base64'),
        'Sec-WebSocket-Version': '13',
        ...target.headers,
      };
      socket.write(`GET ${target.path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`);
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (!upgraded) {
        const end = received.indexOf('\r\n\r\n');
        if (end === -1) return;
        if (!/^HTTP\/1\.1 101 /.test(received.subarray(0, end).toString('latin1'))) return finish(false);
        upgraded = true;
        received = received.subarray(end + 4);
        socket.write(c.bytes);
      }
      closeCode ??= findCloseCode(received);
    });
  });
}

/** The status code of the first close frame in what a server sent (server frames are unmasked). */
function findCloseCode(data: Buffer): number | null {
  let at = 0;
  while (at + 2 <= data.length) {
    const opcode = data[at]! & 0x0f;
    let length = data[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (at + 4 > data.length) return null;
      length = data.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (at + 10 > data.length) return null;
      length = Number(data.readBigUInt64BE(at + 2));
      header = 10;
    }
    if (at + header + length > data.length) return null;
    if (opcode === 8) return length >= 2 ? data.readUInt16BE(at + header) : null;
    at += header + length;
  }
  return null;
}

/** Run every case, `concurrency` connections at a time; `between` runs after each case (e.g. a liveness check). */
export async function fuzz(
  target: FuzzTarget,
  cases: FrameCase[],
  { concurrency = 8, timeoutMs = 3000, between }: { concurrency?: number; timeoutMs?: number; between?: (o: FuzzOutcome) => void } = {},
): Promise<FuzzOutcome[]> {
  const outcomes: FuzzOutcome[] = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      outcomes[i] = await sendCase(target, cases[i]!, timeoutMs);
      between?.(outcomes[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  return outcomes;
}
