/**
 * Request bodies of the bridge, refused before a byte is read when their declared length is over
 * the limit. Small bodies (JSON arguments) are read whole, within one byte budget shared by every
 * request: a body waits for its share unread (the kernel's TCP window holds the client back), so
 * concurrent requests queue instead of adding up. Large ones (a snapshot export) are never held:
 * they stream through `limitedText` to where they go.
 */
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  override name = 'BodyTooLargeError';
  constructor(readonly limit: number) {
    super(`request body over the limit of ${limit} bytes (${limit / 2 ** 20} MiB)`);
  }
}

/** The body is not UTF-8 text where text was expected. */
export class BodyNotTextError extends Error {
  override name = 'BodyNotTextError';
}

/** The body ended before its declared length, or the client went away. */
export class BodyIncompleteError extends Error {
  override name = 'BodyIncompleteError';
}

/** A byte budget handed out first come, first served. */
export class ByteBudget {
  private used = 0;
  private readonly waiting: { bytes: number; admit: () => void }[] = [];

  constructor(readonly capacity: number) {}

  /** Resolves once `bytes` (at most the capacity) are reserved; call the returned function to give them back. */
  async reserve(bytes: number): Promise<() => void> {
    const share = Math.min(bytes, this.capacity);
    if (this.waiting.length > 0 || this.used + share > this.capacity) {
      await new Promise<void>((admit) => this.waiting.push({ bytes: share, admit }));
    } else this.used += share;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= share;
      this.admit();
    };
  }

  get inUse(): number {
    return this.used;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.used + this.waiting[0]!.bytes <= this.capacity) {
      const next = this.waiting.shift()!;
      this.used += next.bytes;
      next.admit();
    }
  }
}

/** The declared Content-Length, or null for a chunked body. */
export function declaredLength(req: IncomingMessage): number | null {
  const header = req.headers['content-length'];
  return header === undefined ? null : Number(header);
}

/**
 * The whole body, at most `limit` bytes. A declared length over the limit is refused at once,
 * unread (Node discards the body after the response, so the client gets the 413 instead of a
 * reset); a chunked body that grows over it is discarded from there on.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = declaredLength(req);
  if (declared !== null && declared > limit) return Promise.reject(new BodyTooLargeError(limit));
  return new Promise((resolve, reject) => {
    if (req.destroyed) return reject(new BodyIncompleteError('the client closed the request'));
    // A declared body is read into one buffer of its size (no copy to concatenate chunks).
    const whole = declared !== null ? Buffer.allocUnsafe(declared) : null;
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (e: Error) => {
      failed = true;
      reject(e);
    };
    req.on('data', (chunk: Buffer) => {
      if (failed) return; // discarding the rest of a refused body
      if (size + chunk.length > limit || (whole && size + chunk.length > whole.length)) {
        chunks.length = 0;
        return fail(new BodyTooLargeError(limit));
      }
      if (whole) chunk.copy(whole, size);
      else chunks.push(chunk);
      size += chunk.length;
    });
    req.on('end', () => {
      if (failed) return;
      if (whole && size !== whole.length) return fail(new BodyIncompleteError(`body ended after ${size} of ${whole.length} bytes`));
      resolve(whole ?? Buffer.concat(chunks, size));
    });
    req.on('close', () => {
      if (!failed && !req.readableEnded) fail(new BodyIncompleteError('the client closed the request'));
    });
    req.on('error', (e) => {
      if (!failed) fail(e);
    });
  });
}

/**
 * The body's chunks as they arrive, checked to be UTF-8 text of at most `limit` bytes (throws
 * BodyTooLargeError, BodyNotTextError or BodyIncompleteError). Stopping early leaves the request
 * readable, so the caller can discard the rest (`req.resume()`) and still answer on the connection.
 */
export async function* limitedText(req: IncomingMessage, limit: number): AsyncGenerator<Uint8Array> {
  const declared = declaredLength(req);
  if (declared !== null && declared > limit) throw new BodyTooLargeError(limit);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let size = 0;
  try {
    for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw new BodyTooLargeError(limit);
      decode(decoder, chunk, true);
      yield chunk;
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_STREAM_PREMATURE_CLOSE') throw new BodyIncompleteError('the client closed the request');
    throw e;
  }
  if (declared !== null && size !== declared) throw new BodyIncompleteError(`body ended after ${size} of ${declared} bytes`);
  decode(decoder, new Uint8Array(0), false);
}

function decode(decoder: TextDecoder, chunk: Uint8Array, stream: boolean): void {
  try {
    decoder.decode(chunk, { stream });
  } catch {
    throw new BodyNotTextError('the body is not UTF-8 text');
  }
}
