/**
 * `SimulatorSource`: the simulated day delivered as a live `Source`, paced against a virtual clock
 * (`speed` virtual ms per wall ms; Infinity = as fast as the consumer keeps up), answering
 * `requestBook` with the true current book as a `clob_rest_book` after a REST-like delay.
 */
import { realScheduler, type Clock, type Scheduler } from '../../clock';
import type { Source, SourceMessage, SourceSink } from '../source';
import { OrderBook, type Level } from '../../../shared/book';
import { DEFAULT_STATION, getStation } from '../../../shared/stations';
import { localDayBoundsUtc, stationDate } from '../../../shared/time';
import type { BookMessage, PriceChangeMessage } from './book-sim';
import { msString } from './book-sim';
import { DaySimulation, type SimMessage } from './day-simulation';
import type { SimulatedMarket } from './market';
import { hex40, Rng, seedOf } from './rng';
import { resolveDayOptions } from './simulate-day';

export interface SimulatorSourceOptions {
  /** Station id (default KLGA). */
  station?: string;
  seed?: string | number;
  /** Bucket tokens, 6–12 (default 8). */
  tokens?: number;
  /** Station-local date to simulate; default the local date of `start`. */
  date?: string;
  /** Virtual instant to start at (UTC ms); default the start of `date` if given, else wall now. */
  start?: number;
  /** Virtual instant to end at (exclusive); default the end of the local day. */
  to?: number;
  /** Virtual ms per wall ms: 1 real time, 60 a minute per second, Infinity as fast as possible. */
  speed?: number;
  scheduler?: Scheduler;
}

/** Messages delivered per turn of the event loop before yielding (other work, stop(), requestBook). */
const CHUNK = 2000;
/** Steps simulated per turn while fast-forwarding to the start instant. */
const FAST_FORWARD_CHUNK = 1800;

/** The true book of each token, kept from every change (delivered or lost) to answer REST requests. */
class TrueBooks {
  private readonly books = new Map<string, { market: string; book: OrderBook }>();

  reset(message: BookMessage): void {
    this.books.set(message.asset_id, { market: message.market, book: OrderBook.from(levelsOf(message.bids), levelsOf(message.asks)) });
  }

  apply(msg: PriceChangeMessage): void {
    for (const c of msg.price_changes) this.books.get(c.asset_id)?.book.apply(c.side === 'BUY' ? 'bid' : 'ask', Number(c.price), Number(c.size));
  }

  /** The book as GET /book returns it: levels worst-to-best like the market channel's `book`. */
  snapshot(tokenId: string): { market: string; bids: { price: string; size: string }[]; asks: { price: string; size: string }[] } | null {
    const entry = this.books.get(tokenId);
    if (!entry) return null;
    const wire = (levels: Level[]) => levels.reverse().map((l) => ({ price: String(l.p), size: String(l.s) }));
    return { market: entry.market, bids: wire(entry.book.bids.levels(Infinity)), asks: wire(entry.book.asks.levels(Infinity)) };
  }
}

function levelsOf(wire: readonly { price: string; size: string }[]): Level[] {
  return wire.map((l) => ({ p: Number(l.price), s: Number(l.size) }));
}

export class SimulatorSource implements Source {
  readonly info: SimulatedMarket;
  /** The virtual clock this source delivers against. */
  readonly clock: Clock = { now: () => this.now() };
  /** Resolves when the simulated range is exhausted or the source is stopped; rejects if the sink threw. */
  readonly finished: Promise<void>;
  readonly speed: number;
  readonly startMs: number;
  private readonly sim: DaySimulation;
  private readonly scheduler: Scheduler;
  private readonly books = new TrueBooks();
  private readonly restRng: Rng;
  private readonly tokenIds: Set<string>;
  private sink: SourceSink | null = null;
  private batch: SimMessage[] = [];
  private batchIdx = 0;
  private pendingRest: { dueMs: number; tokenId: string }[] = [];
  private cancelTimer: (() => void) | null = null;
  private timerDueMs = Infinity;
  private wallAnchor = 0;
  private running = false;
  private stopped = false;
  private frozenAt: number | null = null;
  private lastDeliveredMs: number;
  private resolveFinished!: () => void;
  private rejectFinished!: (e: unknown) => void;

  constructor(options: SimulatorSourceOptions = {}) {
    this.scheduler = options.scheduler ?? realScheduler;
    this.speed = options.speed ?? 1;
    if (!(this.speed > 0)) throw new Error(`speed must be a positive number (or Infinity), got ${options.speed}`);
    const station = getStation(options.station ?? DEFAULT_STATION);
    const start =
      options.start ?? (options.date !== undefined ? localDayBoundsUtc(options.date, station.timeZone)[0] : this.scheduler.now());
    const date = options.date ?? stationDate(start, station.id);
    const [dayStart, dayEnd] = localDayBoundsUtc(date, station.timeZone);
    if (start < dayStart || start >= dayEnd) throw new Error(`start ${new Date(start).toISOString()} is outside ${station.id}'s local day ${date}`);
    this.startMs = start;
    this.lastDeliveredMs = start;
    const resolved = resolveDayOptions({ station: station.id, date, seed: options.seed, tokens: options.tokens, from: start, to: options.to });
    this.sim = new DaySimulation(resolved);
    this.info = this.sim.market;
    this.tokenIds = new Set(this.info.tokens.map((t) => t.token_id));
    this.restRng = new Rng(seedOf(resolved.seed, date, 'rest'));
    this.finished = new Promise<void>((resolve, reject) => {
      this.resolveFinished = resolve;
      this.rejectFinished = reject;
    });
    this.finished.catch(() => undefined); // observed through `finished`; never an unhandled rejection
  }

  /** Virtual now (UTC ms). */
  now(): number {
    if (this.frozenAt !== null) return this.frozenAt;
    if (!this.running) return this.startMs;
    if (this.speed === Infinity) return this.lastDeliveredMs;
    return this.startMs + (this.scheduler.now() - this.wallAnchor) * this.speed;
  }

  async start(sink: SourceSink): Promise<void> {
    if (this.sink) throw new Error('SimulatorSource already started');
    this.sink = sink;
    // Evolve the day up to the start instant without building messages, a slice per turn.
    while (this.sim.nowMs + 1000 <= this.sim.fromMs && !this.stopped) {
      for (let i = 0; i < FAST_FORWARD_CHUNK && this.sim.nowMs + 1000 <= this.sim.fromMs; i++) this.sim.step();
      await new Promise<void>((resolve) => this.scheduler.schedule(resolve, 0));
    }
    if (this.stopped) return;
    for (const book of this.sim.trueBooks(this.sim.nowMs)) this.books.reset(book);
    this.wallAnchor = this.scheduler.now();
    this.running = true;
    this.arm(0);
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.frozenAt = this.now();
    this.stopped = true;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.resolveFinished();
  }

  requestBook(token_id: string): void {
    if (!this.tokenIds.has(token_id)) throw new Error(`requestBook: unknown token ${token_id} (not in ${this.info.id})`);
    if (this.stopped) return;
    const dueMs = Math.round(this.now() + this.restRng.range(80, 300));
    let i = this.pendingRest.length;
    while (i > 0 && this.pendingRest[i - 1]!.dueMs > dueMs) i--;
    this.pendingRest.splice(i, 0, { dueMs, tokenId: token_id });
    if (this.running && dueMs < this.timerDueMs) this.arm(this.wallDelay(dueMs), dueMs);
  }

  private wallDelay(virtualMs: number): number {
    if (this.speed === Infinity) return 0;
    return Math.max(0, Math.ceil((virtualMs - this.now()) / this.speed));
  }

  private arm(delayMs: number, dueMs = -Infinity): void {
    this.cancelTimer?.();
    this.timerDueMs = dueMs;
    this.cancelTimer = this.scheduler.schedule(this.pump, delayMs);
  }

  /** Next simulated message (lost ones included), generating steps as needed; null at the end. */
  private peekSim(): SimMessage | null {
    while (this.batchIdx >= this.batch.length) {
      if (this.sim.done) return null;
      this.batch = this.sim.step();
      this.batchIdx = 0;
    }
    return this.batch[this.batchIdx]!;
  }

  private readonly pump = (): void => {
    this.cancelTimer = null;
    this.timerDueMs = Infinity;
    if (this.stopped) return;
    const now = this.speed === Infinity ? Infinity : this.now();
    for (let delivered = 0; delivered < CHUNK; ) {
      const sim = this.peekSim();
      const rest = this.pendingRest[0];
      if (rest && (!sim || rest.dueMs <= sim.received_ms)) {
        if (rest.dueMs > now) return this.arm(this.wallDelay(rest.dueMs), rest.dueMs);
        this.pendingRest.shift();
        this.deliverRest(rest.dueMs, rest.tokenId);
        delivered++;
      } else if (sim) {
        if (sim.received_ms > now) return this.arm(this.wallDelay(sim.received_ms), sim.received_ms);
        this.batchIdx++;
        if (sim.kind === 'lost') {
          this.books.apply(sim.message as PriceChangeMessage);
          continue;
        }
        if (sim.kind === 'clob') {
          if (sim.message.event_type === 'book') this.books.reset(sim.message);
          else if (sim.message.event_type === 'price_change') this.books.apply(sim.message);
        }
        this.deliver(sim);
        delivered++;
      } else {
        this.frozenAt = this.speed === Infinity ? this.lastDeliveredMs : Math.min(this.now(), this.sim.toMs);
        this.stopped = true;
        this.resolveFinished();
        return;
      }
      if (this.stopped) return;
    }
    this.arm(0);
  };

  private deliver(message: SourceMessage): void {
    this.lastDeliveredMs = Math.max(this.lastDeliveredMs, message.received_ms);
    try {
      this.sink!.push(message);
    } catch (e) {
      this.rejectFinished(e);
      void this.stop();
    }
  }

  private deliverRest(atMs: number, tokenId: string): void {
    const book = this.books.snapshot(tokenId);
    if (!book) return;
    this.deliver({
      kind: 'clob_rest_book',
      received_ms: atMs,
      book: { asset_id: tokenId, market: book.market, bids: book.bids, asks: book.asks, timestamp: msString(atMs - 40), hash: hex40(atMs, tokenId.length) },
    });
  }
}

