// Preload: exposes the narrow HeliosApi (src/shared/api.ts) through contextBridge.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('helios', {});
