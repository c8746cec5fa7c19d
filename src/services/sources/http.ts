/**
 * What the pollers share: one HTTP request with a timeout and the app's User-Agent, answered as
 * data (status 0 + error when nothing came back), `Retry-After` read, and a capped exponential
 * backoff with jitter.
 */
import type { HttpFields } from './raw-records';
import { redactUrl } from './raw-records';

export interface HttpResponse extends HttpFields {
  /** Seconds the server asked us to wait (Retry-After), when it said. */
  retry_after_s: number | null;
}

export interface RequestOptions {
  method?: 'GET' | 'POST';
  body?: string;
  timeoutMs: number;
  userAgent: string;
  contentType?: string;
  signal?: AbortSignal;
}

/** `Retry-After` as seconds (delta-seconds or an HTTP date); null when absent or unreadable. */
export function retryAfterSeconds(value: string | null, nowMs = Date.now()): number | null {
  if (value === null || value.trim() === '') return null;
  if (/^\d+$/.test(value.trim())) return Number(value.trim());
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, (at - nowMs) / 1000);
}

/** Never throws: a network error or timeout is `status: 0` with the reason in `error`. The URL is kept redacted. */
export async function httpRequest(url: string, options: RequestOptions): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  const headers: Record<string, string> = { 'User-Agent': options.userAgent, Accept: 'application/json, text/csv;q=0.9, */*;q=0.5' };
  if (options.contentType) headers['Content-Type'] = options.contentType;
  const kept = redactUrl(url);
  try {
    const res = await fetch(url, { method: options.method ?? 'GET', body: options.body, headers, signal });
    const body = await res.text();
    return { url: kept, status: res.status, body, retry_after_s: retryAfterSeconds(res.headers.get('retry-after')) };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string; message?: string } };
    const reason =
      err.name === 'TimeoutError'
        ? `timeout after ${Math.round(options.timeoutMs / 100) / 10} s`
        : err.name === 'AbortError'
          ? 'aborted'
          : (err.cause?.code ?? err.cause?.message ?? err.message);
    return { url: kept, status: 0, body: '', error: reason, retry_after_s: null };
  }
}

/** What a capture keeps of a response. */
export function httpFields(res: HttpResponse): HttpFields {
  return { url: res.url, status: res.status, body: res.body, ...(res.error ? { error: res.error } : {}) };
}

/** `HTTP 503`, `timeout after 10 s`, …: why a response is not a success, for status details. */
export function describeFailure(r: HttpFields): string {
  return r.status === 0 ? (r.error ?? 'no response') : `HTTP ${r.status}`;
}

export function isSuccess(r: HttpFields): boolean {
  return r.status >= 200 && r.status < 300;
}

/**
 * Capped exponential backoff with "equal jitter": attempt k waits a random time in
 * [d/2, d) with d = min(max, min·2^k), so reconnecting clients spread out but never retry at once.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  get attempts(): number {
    return this.attempt;
  }

  next(): number {
    const d = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(d / 2 + (this.random() * d) / 2);
  }

  reset(): void {
    this.attempt = 0;
  }
}

export function appUserAgent(version: string, contact?: string): string {
  return `HELIOS-Tape/${version} (weather market recorder${contact ? `; ${contact}` : ''})`;
}
