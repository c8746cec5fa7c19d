/**
 * Routes the renderer's live subscriptions to where the data comes from: the recorder process
 * (LiveHost) for the local data root, or the connected server's `/live` stream, batched to the
 * frame budget like the recorder's. Electron-free, so it is tested with fakes.
 */
import type { ChannelGroup } from '../shared/channels';
import type { ServerMessage } from '../shared/protocol';
import { createLiveBatcher, type LiveBatcher } from '../services/live-batcher';
import type { LiveFeed } from '../services/live-feed';
import type { LiveRouter } from './ipc';

/** A local router that can also forget every subscription of one renderer. */
export interface LocalLiveRouter extends LiveRouter {
  dropContents(contentsId: number): void;
}

/** null: the data is local; else the connected server's live feed (null when it records nothing). */
export type RemoteLive = () => { feed: LiveFeed | null; label: string } | null;

export class SourceLiveRouter implements LocalLiveRouter {
  private readonly remote = new Map<string, { batcher: LiveBatcher; unsubscribe: () => void }>();

  constructor(
    private readonly local: LocalLiveRouter,
    private readonly remoteLive: RemoteLive,
  ) {}

  subscribe(key: string, groups: ChannelGroup[], deliver: (messages: ServerMessage[]) => void): void {
    this.unsubscribe(key);
    const server = this.remoteLive();
    if (!server) return this.local.subscribe(key, groups, deliver);
    if (!server.feed) return deliver([{ type: 'error', message: `${server.label} does not record live; replay its days instead` }]);
    const batcher = createLiveBatcher({ send: deliver });
    this.remote.set(key, { batcher, unsubscribe: server.feed.subscribe(groups, (m) => batcher.push(m)) });
  }

  unsubscribe(key: string): void {
    const sub = this.remote.get(key);
    if (!sub) return this.local.unsubscribe(key);
    this.remote.delete(key);
    sub.unsubscribe();
    sub.batcher.close();
  }

  dropContents(contentsId: number): void {
    for (const key of [...this.remote.keys()]) if (key.startsWith(`${contentsId}:`)) this.unsubscribe(key);
    this.local.dropContents(contentsId);
  }
}
