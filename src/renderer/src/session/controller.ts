/**
 * The session: which player feeds the store (a replayed day, live, or a reopened snapshot) and the
 * actions the header, timeline and keyboard trigger. Switching source closes the previous player,
 * so only one ever feeds the store.
 */
import type { DaySummary, HeliosApi } from '../../../shared/api';
import type { Player } from '../../../shared/player';
import { PLAYBACK_SPEEDS } from '../../../shared/player';
import type { History } from '../store/history';
import { markersFromEvents } from '../store/markers';
import { jumpTarget, type JumpKind } from '../../../shared/players/jumps';
import { attachPlayer, type FrameScheduler, type SessionKind, type SessionStore } from '../store/session-store';
import type { UiStore } from '../store/ui-store';
import type { Backends, OpenedDay, QueryResult } from './backends';
import { cursorStory } from './cursor';

export interface SessionControllerOptions {
  api: HeliosApi;
  session: SessionStore;
  ui: UiStore;
  history: History;
  backends: Backends;
  schedule?: FrameScheduler;
}

interface Active {
  kind: Exclude<SessionKind, 'none'>;
  player: Player;
  detach: () => void;
  day: OpenedDay | null;
}

export type DayRef = Pick<DaySummary, 'station_id' | 'date'>;

export class SessionController {
  private active: Active | null = null;
  private lastDay: DayRef | null = null;
  /** Bumped by every switch, so a slow openDay that lost the race does not attach. */
  private generation = 0;

  constructor(private readonly o: SessionControllerOptions) {}

  get kind(): SessionKind {
    return this.active?.kind ?? 'none';
  }

  get openedDay(): OpenedDay | null {
    return this.active?.day ?? null;
  }

  get lastReplayDay(): DayRef | null {
    return this.lastDay;
  }

  async openDay(day: DayRef): Promise<void> {
    const generation = ++this.generation;
    const { ui } = this.o;
    ui.getState().setLoading({ label: `Opening ${day.station_id} ${day.date}…`, fraction: 0 });
    this.close();
    try {
      const opened = await this.o.backends.openDay(this.o.api, day, (p) => {
        if (generation === this.generation) ui.getState().setLoading(p);
      });
      if (generation !== this.generation) {
        opened.close();
        return;
      }
      this.lastDay = day;
      this.attach('replay', opened.player, opened, opened.manifest.markers, opened.manifest.tokens);
      ui.getState().setDayPickerOpen(false);
    } catch (e) {
      if (generation === this.generation) ui.getState().notify(`Could not open ${day.station_id} ${day.date}: ${(e as Error).message}`, 'error');
      throw e;
    } finally {
      if (generation === this.generation) ui.getState().setLoading(null);
    }
  }

  goLive(): void {
    ++this.generation;
    this.close();
    this.attach('live', this.o.backends.openLive(this.o.api), null);
  }

  async openSnapshotFile(): Promise<boolean> {
    const file = await this.o.api.openSnapshot();
    if (!file) return false;
    this.loadSnapshot(file.contents, file.name);
    return true;
  }

  loadSnapshot(contents: string, name = 'snapshot'): void {
    let opened;
    try {
      opened = this.o.backends.openSnapshot(contents);
    } catch (e) {
      this.o.ui.getState().notify(`${name} is not a HELIOS snapshot: ${(e as Error).message}`, 'error');
      return;
    }
    ++this.generation;
    this.close();
    this.attach('snapshot', opened.player, null, markersFromEvents(opened.events));
    this.o.ui.getState().notify(`Showing snapshot ${name}: ${opened.station_id}, correlation ${opened.correlation_id}`);
  }

  /** Builds the snapshot of the moment at the cursor and saves it through the API. */
  async exportSnapshot(): Promise<{ path: string | null; correlation_id: string } | null> {
    const { session, ui } = this.o;
    if (this.kind === 'snapshot') {
      ui.getState().notify('This is a snapshot already: its file is the export', 'error');
      return null;
    }
    const { channels, clock } = session.getState();
    const story = cursorStory(channels);
    const at_ms = clock?.current_ms ?? channels.at_ms;
    if (!story || at_ms === null) {
      ui.getState().notify('Nothing to export yet: no event at the cursor', 'error');
      return null;
    }
    try {
      const file = await this.o.backends.buildSnapshot({ at_ms, correlation_id: story.correlation_id, state: channels }, this.active?.day ?? null);
      const result = await this.o.api.saveSnapshot({ suggested_name: file.name, contents: file.contents });
      if (result.saved) ui.getState().notify(`Snapshot saved${result.path ? ` to ${result.path}` : ''}`);
      return { path: result.saved ? result.path : null, correlation_id: story.correlation_id };
    } catch (e) {
      ui.getState().notify(`Export failed: ${(e as Error).message}`, 'error');
      return null;
    }
  }

  async query(sql: string): Promise<QueryResult> {
    const day = this.active?.day;
    if (!day) throw new Error('the SQL console needs a replayed day (open one with the day picker)');
    return day.query(sql);
  }

  // ── playback ─────────────────────────────────────────────────────────────

  private can(capability: 'playbackControl' | 'seek' | 'setSpeed'): boolean {
    return this.o.session.getState().clock?.capabilities.includes(capability) ?? false;
  }

  play(): void {
    if (this.can('playbackControl')) this.active?.player.startPlayback();
  }

  pause(): void {
    if (this.can('playbackControl')) this.active?.player.pausePlayback();
  }

  togglePlay(): void {
    if (this.o.session.getState().clock?.playing) this.pause();
    else this.play();
  }

  seek(ms: number): void {
    const clock = this.o.session.getState().clock;
    if (!clock || !this.can('seek')) return;
    let target = ms;
    if (clock.start_ms !== null) target = Math.max(clock.start_ms, target);
    if (clock.end_ms !== null) target = Math.min(clock.end_ms, target);
    this.active?.player.seekPlayback(target);
  }

  setSpeed(speed: number): void {
    if (this.can('setSpeed')) this.active?.player.setPlaybackSpeed(speed);
  }

  /** 1–5 → the playback speeds 1×, 5×, 10×, 60×, 600×. */
  setSpeedIndex(index: number): void {
    const speed = PLAYBACK_SPEEDS[index];
    if (speed !== undefined) this.setSpeed(speed);
  }

  /** ±`seconds`: the replay engine plays a step forward through (no reset) and seeks back. */
  stepSeconds(direction: 1 | -1, seconds = 1): void {
    if (!this.can('seek')) return;
    const steps = this.active?.day?.steps;
    if (steps) {
      steps.stepSeconds(direction, seconds);
      return;
    }
    const current = this.o.session.getState().clock?.current_ms;
    if (current !== null && current !== undefined) this.seek(current + direction * seconds * 1000);
  }

  /** Seek to the next/previous METAR, window or shock; false when there is none that way. */
  jump(kind: JumpKind, direction: 1 | -1): boolean {
    const { clock, markers } = this.o.session.getState();
    if (!clock || clock.current_ms === null || !this.can('seek')) return false;
    const steps = this.active?.day?.steps;
    const found = steps ? steps.jump(kind, direction) : this.seekTo(jumpTarget(markers, kind, clock.current_ms, direction)?.ms);
    if (!found) this.o.ui.getState().notify(`No ${direction === 1 ? 'next' : 'previous'} ${kind}`);
    return found;
  }

  private seekTo(ms: number | undefined): boolean {
    if (ms === undefined) return false;
    this.seek(ms);
    return true;
  }

  close(): void {
    const active = this.active;
    this.active = null;
    if (!active) return;
    active.detach();
    if (active.day) active.day.close();
    else active.player.close();
  }

  private attach(kind: Active['kind'], player: Player, day: OpenedDay | null, markers?: OpenedDay['manifest']['markers'], tokens?: OpenedDay['manifest']['tokens']): void {
    const detachPlayer = attachPlayer(this.o.session, this.o.history, player, { kind, markers, tokens, schedule: this.o.schedule });
    const detachHistory = day?.loadHistory ? this.loadDayHistory(day) : () => {};
    this.active = {
      kind,
      player,
      day,
      detach: () => {
        detachHistory();
        detachPlayer();
      },
    };
  }

  /**
   * Once the day's first frame is on screen, load the whole day in the background: the charts get
   * their whole-day series, the SQL console its tables; progress goes to the UI store.
   */
  private loadDayHistory(day: OpenedDay): () => void {
    const { session, history, ui } = this.o;
    let stopped = false;
    let started = false;
    const start = async () => {
      try {
        const charts = await day.loadHistory!((p) => {
          if (!stopped) ui.getState().setHistoryLoad(p);
        });
        if (stopped) return;
        history.setDay(charts);
        session.setState({ historyRevision: history.revision });
      } catch (e) {
        if (stopped) return;
        const message = (e as Error).message ?? String(e);
        ui.getState().setHistoryLoad({ fraction: 0, chartsReady: false, done: false, error: message, elapsedMs: 0 });
        ui.getState().notify(`The day's history could not be loaded (charts show what was played): ${message}`, 'error');
      }
    };
    const check = (state: ReturnType<typeof session.getState>) => {
      if (started || state.clock?.presence !== 'PRESENT' || state.clock.seek_id < 1) return;
      started = true;
      unsubscribe();
      // after the frame that shows the day has been painted
      const whenIdle = globalThis.requestIdleCallback ?? ((cb: () => void) => setTimeout(cb, 0));
      whenIdle(
        () => {
          if (!stopped) void start();
        },
        { timeout: 1000 },
      );
    };
    const unsubscribe = session.subscribe(check);
    check(session.getState());
    return () => {
      stopped = true;
      unsubscribe();
      ui.getState().setHistoryLoad(null);
    };
  }
}
