/**
 * The one channel store every panel reads (zustand), fed by whichever Player is active. Panels
 * select slices by channel group (`l2` books, `tape` trades, `world` METAR/PWS, `features`,
 * `nowcast`, `health`, `windows`, `markets`) and never learn whether live or replay is behind them.
 *
 * Frame pacing: a player may emit many states between two frames (600× replay, a burst of live
 * messages). Each one is folded into a pending state at once (the reducer is cheap and this keeps
 * memory bounded even in a background tab), but the store — and so React — is updated at most once
 * per animation frame.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import { applyEvents, emptyChannelState, type ChannelState } from '../../../shared/channel-state';
import type { Manifest, Marker } from '../../../shared/manifest';
import type { Player, PlayerState } from '../../../shared/player';
import { History } from './history';
import { markersFromEvents, mergeMarkers } from './markers';
import type { DamagedChannel } from '../session/backends';

/** PlayerState minus the per-frame messages: what the header and timeline draw. */
export type ClockView = Omit<PlayerState, 'messages'>;

export type SessionKind = 'none' | 'replay' | 'live' | 'snapshot';

export interface SessionState {
  kind: SessionKind;
  clock: ClockView | null;
  channels: ChannelState;
  /** Timeline markers: the manifest's in replay, derived from the stream in live. */
  markers: readonly Marker[];
  /** The replayed day's tokens with their bucket labels, in the market's bucket order (manifest). */
  tokens: Manifest['tokens'];
  /** The replayed day's manifest (null live and for snapshots). */
  manifest: Manifest | null;
  /** Channels of the replayed day left out because their file is damaged. */
  damaged: readonly DamagedChannel[];
  /** Changes whenever `history` (outside the store) gained points. */
  historyRevision: number;
  /** Number of player states folded into the store so far (diagnostics, tests). */
  framesApplied: number;
}

export type SessionStore = StoreApi<SessionState>;

export function initialSessionState(): SessionState {
  return {
    kind: 'none',
    clock: null,
    channels: emptyChannelState(),
    markers: [],
    tokens: [],
    manifest: null,
    damaged: [],
    historyRevision: 0,
    framesApplied: 0,
  };
}

export function createSessionStore(): SessionStore {
  return createStore<SessionState>(() => initialSessionState());
}

export type FrameScheduler = (callback: () => void) => void;

export const animationFrame: FrameScheduler = (callback) => {
  if (typeof requestAnimationFrame === 'function') {
    // rAF stops in hidden tabs; the timeout keeps the store catching up there at a low rate.
    let done = false;
    const run = () => {
      if (done) return;
      done = true;
      callback();
    };
    requestAnimationFrame(run);
    setTimeout(run, 250);
  } else setTimeout(callback, 16);
};

export interface AttachOptions {
  kind: Exclude<SessionKind, 'none'>;
  /** Markers known up front (the manifest's); live sessions derive them from events instead. */
  markers?: readonly Marker[];
  /** The replayed day's manifest (its tokens name and order the buckets). */
  manifest?: Manifest;
  schedule?: FrameScheduler;
}

export function clockView(state: PlayerState): ClockView {
  const { messages: _messages, ...rest } = state;
  return rest;
}

/**
 * Make `player` the store's source: resets the store and history, then folds every state the
 * player emits. Returns a detach function (it does not close the player).
 */
export function attachPlayer(store: SessionStore, history: History, player: Player, options: AttachOptions): () => void {
  const schedule = options.schedule ?? animationFrame;
  const deriveMarkers = options.markers === undefined;
  history.clear();
  store.setState({
    ...initialSessionState(),
    kind: options.kind,
    markers: options.markers ?? [],
    tokens: options.manifest?.tokens ?? [],
    manifest: options.manifest ?? null,
    historyRevision: history.revision,
  });

  let attached = true;
  let seenSeek: number | null = null;
  let pending: { clock: ClockView; channels: ChannelState; markers: readonly Marker[]; frames: number } | null = null;

  const flush = () => {
    if (!attached || !pending) return;
    const { clock, channels, markers, frames } = pending;
    pending = null;
    store.setState((s) => ({ clock, channels, markers, historyRevision: history.revision, framesApplied: s.framesApplied + frames }));
  };

  player.setListener((state) => {
    if (!attached) return;
    const current = store.getState();
    let channels = pending?.channels ?? current.channels;
    let markers = pending?.markers ?? current.markers;
    if (state.seek_id !== seenSeek) {
      seenSeek = state.seek_id;
      channels = emptyChannelState();
    }
    channels = applyEvents(channels, state.messages);
    history.ingest(state.messages);
    if (deriveMarkers) markers = mergeMarkers(markers, markersFromEvents(state.messages));
    const wasPending = pending !== null;
    pending = { clock: clockView(state), channels, markers, frames: (pending?.frames ?? 0) + 1 };
    if (!wasPending) schedule(flush);
  });

  return () => {
    attached = false;
    pending = null;
    player.setListener(() => {});
  };
}
