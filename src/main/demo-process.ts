// Entry of the demo day's Electron utility process (forked once on first start, see demo-host.ts).
import { ensureDemoData } from '../services/demo';
import { runDemoWorker } from './demo-worker';

runDemoWorker(process.parentPort, ensureDemoData);
