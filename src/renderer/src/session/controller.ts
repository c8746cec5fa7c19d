/**
 * The session: which player feeds the store (a replayed day, live, or a reopened snapshot) and the
 * actions the header, timeline and keyboard trigger. Switching source closes the previous player,
 * so only one ever feeds the store.
 */
import type { DayRef, HeliosApi } from '../../../shared/api';
import type { Player, PlayerCapability } from '../../../shared/player';
import { PLAYBACK_SPEEDS } from '../../../shared/player';
import type { AnyEvent } from '../../../shared/schemas';
import type { History } from '../store/history';
import { markersFromEvents } from '../store/markers';
import type { JumpKind } from '../../../shared/players/jumps';
import { attachPlayer, type FrameScheduler, type SessionKind, type SessionStore } from '../store/session-store';
import type { StepChannel, TimeRange, UiStore } from '../store/ui-store';
import type { Backends, OpenedDay, OpenedSnapshot, QueryOptions, QueryResult } from './backends';
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
  snapshot: OpenedSnapshot | null;
}

/** A plain file/folder name made from a day and a range: `KLGA-2026-01-29-1700-1730Z`. */
export function rangeName(day: DayRef, range: TimeRange): string {
  const hm = (ms: number) => new Date(ms).toISOString().slice(11, 19).replaceAll(':', '');
  return `helios-${day.station_id}-${day.date}-${hm(range.from)}-${hm(range.to)}Z`;
}

export class SessionController {
  private active: Active | null = null;
  private lastDay: DayRef | null = null;
  /** Bumped by every switch, so a slow openDay that lost the race does not attach. */
  private generation = 0;

  constructor(private readonly o: SessionControllerOptions) {
    this.loopSelection();
  }

  get kind(): SessionKind {
    return this.active?.kind ?? 'none';
  }

  get openedDay(): OpenedDay | null {
    return this.active?.day ?? null;
  }

  get lastReplayDay(): DayRef | null {
    return this.lastDay;
  }

  sessionState(): ReturnType<SessionStore['getState']> {
    return this.o.session.getState();
  }

  /** Open a recorded day, at `startMs` if given (else where its data starts). */
  async openDay(day: DayRef, options: { startMs?: number } = {}): Promise<void> {
    const generation = ++this.generation;
    const { ui } = this.o;
    ui.getState().setLoading({ label: `Opening ${day.station_id} ${day.date}…`, fraction: 0 });
    this.close();
    try {
      const opened = await this.o.backends.openDay(
        this.o.api,
        day,
        (p) => {
          if (generation === this.generation) ui.getState().setLoading(p);
        },
        options,
      );
      if (generation !== this.generation) {
        opened.close();
        return;
      }
      this.lastDay = day;
      ui.setState({ view: null, selection: null, loop: false });
      this.attach('replay', opened.player, { day: opened });
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
    this.o.ui.setState({ view: null, selection: null, loop: false });
    this.attach('live', this.o.backends.openLive(this.o.api), {});
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
    this.o.ui.setState({ view: null, selection: null, loop: false });
    this.attach('snapshot', opened.player, { snapshot: opened, markers: markersFromEvents(opened.events) });
    this.o.ui.getState().notify(`Showing snapshot ${name}: ${opened.station_id}, correlation ${opened.correlation_id}`);
    // a reopened snapshot is its story: list its events, to step through them
    this.o.ui.getState().showCorrelation(opened.correlation_id);
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
    const notice = ui.getState().notify(`Exporting the snapshot of correlation ${story.correlation_id}: finding its events…`, 'info', 0);
    try {
      const file = await this.o.backends.buildSnapshot(
        { at_ms, correlation_id: story.correlation_id, state: channels, onProgress: (fraction) => ui.getState().updateNotice(notice, { progress: fraction * 0.9 }) },
        this.active?.day ?? null,
      );
      ui.getState().updateNotice(notice, { text: `Saving ${file.name}…`, progress: 0.95 });
      const result = await this.o.api.saveSnapshot({ suggested_name: file.name, contents: file.contents });
      ui.getState().updateNotice(notice, { text: result.saved ? `Snapshot saved${result.path ? ` to ${result.path}` : ''}` : `Export of ${file.name} cancelled`, progress: undefined });
      return { path: result.saved ? result.path : null, correlation_id: story.correlation_id };
    } catch (e) {
      ui.getState().updateNotice(notice, { text: `Export failed: ${(e as Error).message}`, tone: 'error', progress: undefined });
      return null;
    }
  }

  /** Every channel of the selected range as Parquet, its snapshots as CSV, saved as one folder. */
  async exportSelection(): Promise<string | null> {
    const { ui, session } = this.o;
    const range = ui.getState().selection;
    const day = this.active?.day;
    const clock = session.getState().clock;
    if (!range || !day?.exportRange || !clock?.station_id || !clock.date) {
      ui.getState().notify('Select a range of a replayed day first (Shift+drag on the timeline, or I and O at the cursor)', 'error');
      return null;
    }
    const name = rangeName({ station_id: clock.station_id, date: clock.date }, range);
    const notice = ui.getState().notify(`Exporting ${name}: reading the range…`, 'info', 0);
    try {
      const files = await day.exportRange(range.from, range.to, (fraction) => ui.getState().updateNotice(notice, { progress: fraction * 0.9 }));
      if (files.length === 0) {
        ui.getState().updateNotice(notice, { text: `Nothing recorded in ${name}`, tone: 'error', progress: undefined });
        return null;
      }
      ui.getState().updateNotice(notice, { text: `Saving ${name} (${files.length} files)…`, progress: 0.95 });
      const result = await this.o.api.saveExport({ name, files });
      ui.getState().updateNotice(notice, { text: result.saved ? `Range saved to ${result.path}` : `Export of ${name} cancelled`, progress: undefined });
      return result.path;
    } catch (e) {
      ui.getState().updateNotice(notice, { text: `Range export failed: ${(e as Error).message}`, tone: 'error', progress: undefined });
      return null;
    }
  }

  /** The SQL console opened: the replayed day starts loading what its queries need. */
  prepareQueries(): void {
    this.active?.day?.prepareQueries?.();
  }

  async query(sql: string, options?: QueryOptions): Promise<QueryResult> {
    const day = this.active?.day;
    if (!day) throw new Error('the SQL console needs a replayed day (open one with the day picker)');
    return day.query(sql, options);
  }

  /** Every event carrying `correlationId` (the whole day in replay; what is held live; the snapshot's). */
  async correlationEvents(correlationId: string): Promise<AnyEvent[]> {
    const active = this.active;
    if (!active) return [];
    if (active.snapshot) return active.snapshot.events.filter((e) => e.correlation_id === correlationId);
    if (active.day) return active.day.eventsByCorrelation(correlationId);
    return this.o.backends.liveEventsByCorrelation(correlationId);
  }

  /** Compact `day` again from its journal; reopens it at the same moment when it is the one shown. */
  async recompact(day: DayRef): Promise<boolean> {
    const { ui, session } = this.o;
    const notice = ui.getState().notify(`Re-compacting ${day.station_id} ${day.date} from its journal…`, 'info', null);
    try {
      const { summary } = await this.o.api.recompactDay(day);
      ui.getState().updateNotice(notice, { text: summary, progress: undefined });
      const clock = session.getState().clock;
      if (this.kind === 'replay' && clock?.station_id === day.station_id && clock.date === day.date) {
        await this.openDay(day, { startMs: clock.current_ms ?? undefined });
      }
      return true;
    } catch (e) {
      ui.getState().updateNotice(notice, { text: `Re-compacting ${day.station_id} ${day.date} failed: ${(e as Error).message}`, tone: 'error', progress: undefined });
      return false;
    }
  }

  // ── playback ─────────────────────────────────────────────────────────────

  private can(capability: PlayerCapability): boolean {
    return this.o.session.getState().clock?.capabilities.includes(capability) ?? false;
  }

  play(): void {
    if (!this.can('playbackControl')) return;
    const { selection, loop } = this.o.ui.getState();
    const current = this.o.session.getState().clock?.current_ms;
    // a loop starts inside its range
    if (loop && selection && current != null && (current < selection.from || current >= selection.to)) this.seek(selection.from);
    this.active?.player.startPlayback();
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

  /** ±`seconds`: the player plays a step forward through (no reset) and seeks back. */
  stepSeconds(direction: 1 | -1, seconds = 1): void {
    if (this.can('step')) this.active?.player.stepSeconds(direction, seconds);
  }

  /** Seek to the next/previous METAR, window or shock; false when there is none that way. */
  jump(kind: JumpKind, direction: 1 | -1): boolean {
    const { clock } = this.o.session.getState();
    if (!clock || clock.current_ms === null || !this.can('step') || !this.active) return false;
    const found = this.active.player.jump(kind, direction);
    if (!found) this.o.ui.getState().notify(`No ${direction === 1 ? 'next' : 'previous'} ${kind}`);
    return found;
  }

  /**
   * Seek to the next/previous event of the step channel (or of any channel), or with `token` to
   * the next/previous event of that token in `channel` (its deltas): to the millisecond, so events
   * closer than a second apart are reached one by one.
   */
  async stepEvent(direction: 1 | -1, options: { channel?: StepChannel; token?: string } = {}): Promise<boolean> {
    const { clock } = this.o.session.getState();
    const day = this.active?.day;
    if (!clock || clock.current_ms === null || !day?.adjacentEvent || !this.can('seek')) return false;
    const channel = options.channel ?? this.o.ui.getState().stepChannel;
    const target = await day.adjacentEvent(channel, clock.current_ms, direction, options.token);
    if (target === null) {
      this.o.ui.getState().notify(`No ${direction === 1 ? 'next' : 'previous'} ${channel === 'any' ? 'event' : `${channel} event`}${options.token ? ' of the selected token' : ''}`);
      return false;
    }
    this.pause();
    this.seek(Math.floor(target));
    return true;
  }

  /** While the selection loops, playing past its end goes back to its start. */
  private loopSelection(): void {
    this.o.session.subscribe((s) => {
      const { loop, selection } = this.o.ui.getState();
      const clock = s.clock;
      if (!loop || !selection || !clock?.playing || clock.current_ms === null) return;
      if (clock.current_ms >= selection.to || clock.current_ms < selection.from - 1000) this.seek(selection.from);
    });
  }

  close(): void {
    const active = this.active;
    this.active = null;
    if (!active) return;
    active.detach();
    if (active.day) active.day.close();
    else active.player.close();
  }

  private attach(kind: Active['kind'], player: Player, sources: { day?: OpenedDay; snapshot?: OpenedSnapshot; markers?: OpenedDay['manifest']['markers'] }): void {
    const day = sources.day ?? null;
    this.o.ui.getState().showCorrelation(null); // it listed events of the previous source
    const detachPlayer = attachPlayer(this.o.session, this.o.history, player, {
      kind,
      markers: day?.manifest.markers ?? sources.markers,
      manifest: day?.manifest,
      schedule: this.o.schedule,
    });
    const detachHistory = day?.loadHistory ? this.loadDayHistory(day) : () => {};
    const detachDamage = day?.onDamage?.((d) => this.o.session.setState((s) => ({ damaged: [...s.damaged, d] }))) ?? (() => {});
    this.active = {
      kind,
      player,
      day,
      snapshot: sources.snapshot ?? null,
      detach: () => {
        detachDamage();
        detachHistory();
        detachPlayer();
      },
    };
  }

  /**
   * Once the day's first frame is on screen, read the whole day in the background for the charts'
   * whole-day series; progress goes to the UI store.
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
