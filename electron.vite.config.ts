import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rolldownOptions: {
        // the app, and its utility processes: the live recorder and the first start's demo day;
        // plus the compactor's validator thread, which validator-pool.ts starts from
        // out/main/validate-worker.js (without it, compaction validates on the calling thread)
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          'live-process': resolve(__dirname, 'src/main/live-process.ts'),
          'demo-process': resolve(__dirname, 'src/main/demo-process.ts'),
          'validate-worker': resolve(__dirname, 'src/services/compactor/validate-worker.ts'),
          // the window sweep's thread (sweep-jobs.ts starts out/main/sweep-worker.js)
          'sweep-worker': resolve(__dirname, 'src/services/sweep/sweep-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload must be one CommonJS file with no runtime requires but electron's.
      externalizeDeps: false,
      rolldownOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: { outDir: resolve(__dirname, 'out/renderer') },
  },
});
