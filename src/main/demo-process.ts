// Entry of the demo day's Electron utility process (forked on first start, and to re-compact a
// damaged day; see demo-host.ts).
import { DataRoot } from '../services/data-root';
import { ensureDemoData } from '../services/demo';
import { recompactDay } from '../services/recompact';
import { runDemoWorker } from './demo-worker';

runDemoWorker(process.parentPort, ensureDemoData, (c) => process.exit(c), (root, day) => recompactDay(new DataRoot(root), day));
