/**
 * The renderer's one door out: Electron's preload API when present (`window.helios`), else the
 * browser bridge served by `npm run web` on the page's own origin. Nothing after this knows which.
 */
import type { HeliosApi } from '../../../shared/api';
import { createBridgeClient } from './bridge-client';

declare global {
  interface Window {
    helios?: HeliosApi;
  }
}

export function resolveApi(): HeliosApi {
  const preload = window.helios;
  if (preload && typeof preload.listDays === 'function') return preload;
  return createBridgeClient({ baseUrl: window.location.origin });
}
