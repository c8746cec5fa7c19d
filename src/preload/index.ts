// Preload (sandboxed, CommonJS bundle): exposes HeliosApi as window.helios and nothing else.
import '../shared/zod-config'; // first: before any schema is built
import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './api';

contextBridge.exposeInMainWorld('helios', createPreloadApi(ipcRenderer));
