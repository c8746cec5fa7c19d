/** Messages between main and the recorder's utility process (structured-cloned, trusted both ways). */
import type { ChannelGroup } from '../shared/channels';
import type { ServerMessage } from '../shared/protocol';
import type { LiveStartOptions } from '../services/live-session';

export type { LiveStartOptions };

export type ToLiveProcess =
  | { type: 'start'; options: LiveStartOptions }
  | { type: 'subscribe'; id: number; groups: ChannelGroup[] }
  | { type: 'unsubscribe'; id: number }
  | { type: 'stop' };

export type FromLiveProcess =
  | { type: 'ready'; station_id: string }
  | { type: 'batch'; id: number; messages: ServerMessage[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };
