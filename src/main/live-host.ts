/**
 * Main's handle on the recorder process: forks it (Electron utilityProcess in the app, a fake in
 * tests), routes renderer subscriptions to it and its batches back, restarts it against another data
 * root, and restarts it with backoff if it dies. Subscriptions outlive a restart: each one is
 * re-sent to the new process and gets a fresh hello + backfill.
 */
import type { ChannelGroup } from '../shared/channels';
import type { ServerMessage } from '../shared/protocol';
import type { LiveRouter } from './ipc';
import type { LiveSourcesState } from '../shared/sources-config';
import type { FromLiveProcess, LiveSourcesChoice, LiveStartOptions, ToLiveProcess } from './live-messages';
import type { UtilityChild } from './utility-child';

export type LiveChild = UtilityChild<ToLiveProcess, FromLiveProcess>;

export interface LiveStatus {
  /**
   * The recorder process is up and has not failed: a subscription is served (from its hello on)
   * as soon as the session is recording, even while it is still starting.
   */
  available: boolean;
  /** Recording (`ready`) or starting; false while starting means not started yet. */
  recording: boolean;
  station_id: string | null;
  error: string | null;
}

interface Route {
  childId: number;
  groups: ChannelGroup[];
  deliver: (messages: ServerMessage[]) => void;
}

export interface LiveHostOptions {
  fork: () => LiveChild;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
  /** Delays before successive restarts after a crash; none left = give up and report. */
  restartDelaysMs?: number[];
  stopTimeoutMs?: number;
}

export class LiveHost implements LiveRouter {
  private child: LiveChild | null = null;
  private spawned = false;
  private queue: ToLiveProcess[] = [];
  private options: LiveStartOptions | null = null;
  private readonly routes = new Map<string, Route>();
  private readonly byChildId = new Map<number, Route>();
  private nextChildId = 1;
  private state: LiveStatus = { available: false, recording: false, station_id: null, error: null };
  private sources: LiveSourcesState | null = null;
  private restarts = 0;
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly log: NonNullable<LiveHostOptions['log']>;

  constructor(private readonly opts: LiveHostOptions) {
    this.log = opts.log ?? ((level, message) => console[level](`HELIOS recorder: ${message}`));
  }

  status(): LiveStatus {
    return { ...this.state };
  }

  /** What the recorder process records LIVE and its upstreams' states (null while it is not running). */
  sourcesState(): LiveSourcesState | null {
    return this.sources;
  }

  /** Record these sources from now on (and after a restart). */
  setSources(sources: LiveSourcesChoice): void {
    if (!this.options) return;
    this.options = { ...this.options, sources };
    this.send({ type: 'set-sources', sources });
  }

  private starts: Promise<void> = Promise.resolve();
  private pendingStarts = 0;

  /** (Re)start recording against a data root; a running process is stopped first. Calls queue up. */
  start(options: LiveStartOptions): Promise<void> {
    this.pendingStarts++;
    this.starts = this.starts
      .then(async () => {
        await this.stop();
        this.options = options;
        this.restarts = 0;
        this.spawn();
      })
      .finally(() => {
        this.pendingStarts--;
      });
    return this.starts;
  }

  async stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    if (!child) return;
    this.stopping ??= new Promise<void>((done) => {
      const timer = setTimeout(() => {
        this.log('warn', 'did not stop in time; killed');
        child.kill();
        done();
      }, this.opts.stopTimeoutMs ?? 10_000);
      child.on('exit', () => {
        clearTimeout(timer);
        done();
      });
      this.send({ type: 'stop' });
    }).finally(() => {
      this.stopping = null;
    });
    await this.stopping;
  }

  subscribe(key: string, groups: ChannelGroup[], deliver: (messages: ServerMessage[]) => void): void {
    this.unsubscribe(key);
    const route: Route = { childId: this.nextChildId++, groups, deliver };
    this.routes.set(key, route);
    this.byChildId.set(route.childId, route);
    if (this.child) this.send({ type: 'subscribe', id: route.childId, groups });
    else if (this.pendingStarts > 0) return; // sent to the new process when it spawns
    else deliver([{ type: 'error', message: `live recording is not running${this.state.error ? `: ${this.state.error}` : ''}` }]);
  }

  unsubscribe(key: string): void {
    const route = this.routes.get(key);
    if (!route) return;
    this.routes.delete(key);
    this.byChildId.delete(route.childId);
    if (this.child) this.send({ type: 'unsubscribe', id: route.childId });
  }

  /** Drop every subscription of one renderer (window closed, page reloaded, renderer crashed). */
  dropContents(contentsId: number): void {
    for (const key of [...this.routes.keys()]) if (key.startsWith(`${contentsId}:`)) this.unsubscribe(key);
  }

  private spawn(): void {
    const options = this.options;
    if (!options) return;
    const child = this.opts.fork();
    this.child = child;
    this.spawned = false;
    this.queue = [{ type: 'start', options }];
    for (const route of this.routes.values()) this.queue.push({ type: 'subscribe', id: route.childId, groups: route.groups });
    this.state = { available: true, recording: false, station_id: options.station ?? null, error: null };

    child.on('spawn', () => {
      if (this.child !== child) return;
      this.spawned = true;
      for (const message of this.queue.splice(0)) child.postMessage(message);
    });
    child.on('message', (message) => {
      if (this.child === child) this.onMessage(message);
    });
    child.on('error', (type, location) => this.log('error', `${type} at ${location}`));
    child.on('exit', (code) => {
      if (this.child !== child) return;
      this.child = null;
      this.spawned = false;
      this.sources = null;
      const expected = this.stopping !== null;
      this.state = { available: false, recording: false, station_id: null, error: expected ? null : `recorder process exited (code ${code})` };
      if (!expected) this.onCrash(code);
    });
  }

  private onMessage(message: FromLiveProcess): void {
    switch (message.type) {
      case 'sources':
        this.sources = message.state;
        return;
      case 'ready':
        this.sources = message.sources;
        this.state = { available: true, recording: true, station_id: message.station_id, error: null };
        this.log('info', `recording ${message.station_id} into ${this.options?.data_root}`);
        return;
      case 'batch':
        this.byChildId.get(message.id)?.deliver(message.messages);
        return;
      case 'log':
        this.log(message.level, message.message);
        return;
      case 'failed':
        this.state = { available: false, recording: false, station_id: null, error: message.message };
        this.log('error', `could not start: ${message.message}`);
        return;
      case 'stopped':
        return;
    }
  }

  private onCrash(code: number): void {
    const delays = this.opts.restartDelaysMs ?? [1_000, 5_000, 30_000];
    const delay = delays[this.restarts];
    for (const route of this.routes.values()) {
      route.deliver([{ type: 'error', message: `live recording stopped: recorder process exited (code ${code})` }]);
    }
    if (delay === undefined) {
      this.log('error', `exited (code ${code}); not restarting after ${this.restarts} restarts`);
      return;
    }
    this.restarts++;
    this.log('warn', `exited (code ${code}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.spawn();
    }, delay);
  }

  private send(message: ToLiveProcess): void {
    if (!this.child) return;
    if (this.spawned) this.child.postMessage(message);
    else this.queue.push(message);
  }
}
