/**
 * The recorder process's message loop (runs in Electron's utilityProcess, off the UI and main
 * threads): starts the live session against the data root, and serves main's subscriptions from the
 * session's LiveFeed, each throttled to one batch per frame budget before it crosses the process
 * boundary. Electron-free, so it is tested with a fake port.
 */
import type { LiveLog, LiveSession, LiveStartOptions } from '../services/live-session';
import { createLiveBatcher, LIVE_BATCH_INTERVAL_MS, type LiveBatcher } from '../services/live-batcher';
import type { ChannelGroup } from '../shared/channels';
import type { FromLiveProcess, ToLiveProcess } from './live-messages';

export type { LiveLog, LiveSession };
export type StartLiveSession = (options: LiveStartOptions, log: LiveLog) => Promise<LiveSession>;

export interface WorkerPort {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: FromLiveProcess): void;
}

interface Subscription {
  groups: ChannelGroup[];
  batcher: LiveBatcher;
  unsubscribe: (() => void) | null;
}

export function runLiveWorker(
  port: WorkerPort,
  startSession: StartLiveSession,
  { exit = (code: number): void => process.exit(code), intervalMs = LIVE_BATCH_INTERVAL_MS }: { exit?: (code: number) => void; intervalMs?: number } = {},
): void {
  const post = (message: FromLiveProcess) => port.postMessage(message);
  const log: LiveLog = (level, message) => post({ type: 'log', level, message });
  const subscriptions = new Map<number, Subscription>();
  let session: LiveSession | null = null;
  let failure: string | null = null;
  let starting: Promise<void> | null = null;

  const attach = (sub: Subscription) => {
    if (session) sub.unsubscribe = session.feed.subscribe(sub.groups, (message) => sub.batcher.push(message));
    else if (failure) sub.batcher.push({ type: 'error', message: `live recording is not running: ${failure}` });
  };

  const start = (options: LiveStartOptions) => {
    if (starting) return log('warn', 'start ignored: the live session is already started');
    starting = startSession(options, log).then(
      (s) => {
        session = s;
        post({ type: 'ready', station_id: s.station_id, sources: s.sources() });
        s.onSources((state) => post({ type: 'sources', state }));
        for (const sub of subscriptions.values()) attach(sub);
      },
      (e: unknown) => {
        failure = e instanceof Error ? e.message : String(e);
        post({ type: 'failed', message: failure });
        for (const sub of subscriptions.values()) attach(sub);
      },
    );
  };

  const stop = async () => {
    for (const sub of subscriptions.values()) {
      sub.unsubscribe?.();
      sub.batcher.close();
    }
    subscriptions.clear();
    await starting?.catch(() => undefined);
    try {
      await session?.stop();
    } catch (e) {
      log('error', `stopping the live session failed: ${(e as Error).message}`);
    }
    post({ type: 'stopped' });
    exit(0);
  };

  port.on('message', ({ data }) => {
    const message = data as ToLiveProcess;
    switch (message.type) {
      case 'start':
        return start(message.options);
      case 'subscribe': {
        subscriptions.get(message.id)?.unsubscribe?.();
        const sub: Subscription = {
          groups: message.groups,
          unsubscribe: null,
          batcher: createLiveBatcher({ intervalMs, send: (messages) => post({ type: 'batch', id: message.id, messages }) }),
        };
        subscriptions.set(message.id, sub);
        return attach(sub);
      }
      case 'unsubscribe': {
        const sub = subscriptions.get(message.id);
        subscriptions.delete(message.id);
        sub?.unsubscribe?.();
        sub?.batcher.close();
        return;
      }
      case 'set-sources':
        if (!session) return log('warn', 'set-sources ignored: the live session is not running');
        return void session.switchSources(message.sources).catch((e: unknown) => log('error', `could not switch sources: ${(e as Error).message}`));
      case 'stop':
        return void stop();
    }
  });
}
