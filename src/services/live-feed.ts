/**
 * What a live source of protocol messages offers its consumers (the Electron IPC bridge, the
 * browser bridge, the future headless WebSocket server). The recorder's ring buffers implement it;
 * a replay session on the server side will implement it too.
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
