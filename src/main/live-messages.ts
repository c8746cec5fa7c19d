/** Messages between main and the recorder's utility process (structured-cloned, trusted both ways). */
import type { ChannelGroup } from '../shared/channels';
import type { ServerMessage } from '../shared/protocol';
import type { LiveSourcesChoice, LiveStartOptions } from '../services/live-session';
import type { LiveSourcesState } from '../shared/sources-config';

export type { LiveSourcesChoice, LiveStartOptions };

export type ToLiveProcess =
  | { type: 'start'; options: LiveStartOptions }
  | { type: 'subscribe'; id: number; groups: ChannelGroup[] }
  | { type: 'unsubscribe'; id: number }
  /** Record these sources instead (the Sources dialog). */
  | { type: 'set-sources'; sources: LiveSourcesChoice }
  | { type: 'stop' };

export type FromLiveProcess =
  | { type: 'ready'; station_id: string; sources: LiveSourcesState }
  /** What LIVE runs and its upstreams' states changed. */
  | { type: 'sources'; state: LiveSourcesState }
  | { type: 'batch'; id: number; messages: ServerMessage[] }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string }
  | { type: 'failed'; message: string }
  | { type: 'stopped' };
