// Entry of the recorder's Electron utility process (forked by LiveHost): records the live source
// into the data root, compacts periodically, and serves main's live subscriptions.
import { startLiveSession } from '../services/live-session';
import { runLiveWorker } from './live-worker';

runLiveWorker(process.parentPort, startLiveSession);
