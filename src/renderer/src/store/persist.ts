/**
 * What the renderer remembers between runs, in the page's localStorage (per origin: the browser
 * bridge's, or the desktop app's app://helios, kept in its user data folder). Values are checked
 * with zod on read: anything that doesn't validate is ignored, never half-applied.
 */
import type { z } from 'zod';

function storage(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage disabled (private mode, sandboxed frame)
  }
}

export function loadPersisted<T>(key: string, schema: z.ZodType<T>): T | null {
  const text = storage()?.getItem(key);
  if (!text) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

export function savePersisted(key: string, value: unknown): void {
  try {
    storage()?.setItem(key, JSON.stringify(value));
  } catch {
    // quota or disabled storage: the preference simply isn't remembered
  }
}
