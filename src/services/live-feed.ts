/**
 * What a live source of protocol messages offers its consumers (the Electron IPC bridge, the
 * browser bridge, `helios serve`'s /live). The recorder's ring buffers implement it, and so does a
 * connected server's /live stream (`server/remote-data.ts`).
 */
import type { ChannelGroup } from '../shared/channels';
import type { ServerMessage } from '../shared/protocol';

export interface LiveFeed {
  /**
   * Start receiving: first `hello`, then a `backfill` with the latest state from the ring buffers,
   * then `events` batches as they are recorded. Returns the unsubscribe function.
   */
  subscribe(groups: readonly ChannelGroup[], listener: (message: ServerMessage) => void): () => void;
}
