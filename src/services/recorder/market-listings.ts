/**
 * The markets the recorder follows (the `markets` channel): discovery's listings grow and shrink
 * the operating cone, and each listing is recorded with the settlement rules verbatim — once, and
 * again only when something about it changes (rules, title, tokens, …); a market's unlisting and
 * the venue's resolution of each of its bucket markets are recorded too. A resolution usually
 * comes after the market's day (its tokens already out of the cone), so every bucket market ever
 * followed is remembered with its date.
 */
import { describeZodError } from '../../shared/registry';
import type { MarketsEvent, PayloadOf } from '../../shared/schemas';
import type { ListedMarket, MarketToken, SourceMessage } from '../sources/source';
import type { EventOutput } from './event-output';
import { listedMarket, marketDate } from './input-schemas';
import type { MarketBooks, MarketResolved } from './market-books';

type Message<K extends SourceMessage['kind']> = Extract<SourceMessage, { kind: K }>;

interface FollowedMarket {
  market_date: string;
  bucket: string | null;
  /** The YES token we followed for it. */
  token_id: string;
}

export class MarketListings {
  /** What was last recorded as listed, by market date: a re-listing is compared with it. */
  private readonly listings = new Map<string, ListedMarket>();
  private readonly followed = new Map<string, FollowedMarket>();
  private readonly resolved = new Set<string>();

  constructor(
    private readonly out: EventOutput,
    private readonly books: MarketBooks,
    private readonly station: string,
    initialCone: readonly MarketToken[],
    /** The `markets` events already recorded today (a restart), oldest first. */
    recorded: readonly MarketsEvent[] = [],
  ) {
    for (const t of initialCone) if (t.market_date) this.follow(t.market_date, t);
    for (const e of recorded) {
      if (e.kind === 'listed') {
        const listing = fromRecorded(e);
        this.listings.set(e.market_date, listing);
        for (const t of listing.tokens) this.follow(e.market_date, t);
      } else if (e.kind === 'unlisted') this.listings.delete(e.market_date);
      else if (e.market_id) this.resolved.add(e.market_id);
    }
  }

  onListed(message: Message<'market_listed'>): void {
    const parsed = listedMarket.safeParse(message.market);
    if (!parsed.success) return this.out.reject(message, `market listing: ${describeZodError(parsed.error)}`);
    const market: ListedMarket = { ...parsed.data, tokens: parsed.data.tokens.map((t) => ({ ...t, market_date: parsed.data.market_date })) };
    const tokens = market.tokens;
    const previous = this.listings.get(market.market_date);
    const listed = new Set(tokens.map((t) => t.token_id));
    for (const t of previous?.tokens ?? []) if (!listed.has(t.token_id)) this.books.remove(t.token_id);
    for (const t of tokens) {
      this.books.add(t);
      this.follow(market.market_date, t);
    }
    this.listings.set(market.market_date, market);
    const changed = previous ? differences(previous, market) : [];
    if (previous && changed.length === 0) return;
    this.record({
      kind: 'listed',
      market_date: market.market_date,
      venue_event_id: market.event_id,
      slug: market.slug,
      title: market.title,
      rules: market.rules,
      resolution_source: market.resolution_source,
      tokens: tokens.map(({ token_id, market_id, bucket }) => ({ token_id, market_id, bucket })),
      detail: previous ? `listing changed: ${changed.join(', ')}` : `listed, ${tokens.length} bucket token(s)`,
    });
  }

  onUnlisted(message: Message<'market_unlisted'>): void {
    const date = marketDate.safeParse(message.market_date);
    if (!date.success) return this.out.reject(message, `market unlisting: market_date: ${describeZodError(date.error)}`);
    const listing = this.listings.get(date.data);
    const tokens = listing?.tokens ?? [...this.books.cone()].filter((t) => t.market_date === date.data);
    if (tokens.length === 0) {
      this.out.stats.ignored++;
      return;
    }
    for (const t of tokens) this.books.remove(t.token_id);
    this.listings.delete(date.data);
    this.record({
      kind: 'unlisted',
      market_date: date.data,
      tokens: tokens.map(({ token_id, market_id, bucket }) => ({ token_id, market_id, bucket })),
      detail: message.detail.slice(0, 2000),
    });
  }

  /** The venue settled a bucket market: recorded once, for markets we followed. */
  onResolved(m: MarketResolved): void {
    const market = this.followed.get(m.market);
    if (!market) {
      this.out.stats.ignored++;
      return;
    }
    if (this.resolved.has(m.market)) return;
    this.resolved.add(m.market);
    this.record({
      kind: 'resolved',
      market_date: market.market_date,
      market_id: m.market,
      token_id: market.token_id,
      winning_asset_id: m.winning_asset_id,
      winning_outcome: m.winning_outcome,
      bucket: market.bucket,
      detail: `${market.bucket ?? m.market}: ${m.winning_outcome}${m.winning_asset_id === market.token_id ? ' (the followed YES token won)' : ''}`,
    });
  }

  private follow(market_date: string, t: MarketToken): void {
    this.followed.set(t.market_id, { market_date, bucket: t.bucket || null, token_id: t.token_id });
  }

  private record(fields: Partial<PayloadOf<'markets'>> & Pick<PayloadOf<'markets'>, 'kind' | 'market_date' | 'detail'>): void {
    this.out.record('markets', {
      station_id: this.station,
      venue_event_id: null,
      slug: null,
      title: null,
      rules: null,
      resolution_source: null,
      tokens: [],
      winning_asset_id: null,
      winning_outcome: null,
      bucket: null,
      ...fields,
    });
  }
}

function fromRecorded(e: MarketsEvent): ListedMarket {
  return {
    market_date: e.market_date,
    event_id: e.venue_event_id ?? '',
    slug: e.slug ?? '',
    title: e.title ?? '',
    rules: e.rules ?? '',
    resolution_source: e.resolution_source ?? '',
    tokens: e.tokens.map((t) => ({ ...t, bucket: t.bucket ?? '', market_date: e.market_date })),
  };
}

/** The fields in which two listings of one market differ (what is recorded about a listing). */
function differences(a: ListedMarket, b: ListedMarket): string[] {
  const tokens = (m: ListedMarket) => JSON.stringify(m.tokens.map((t) => [t.token_id, t.market_id, t.bucket]));
  const fields = (['event_id', 'slug', 'title', 'rules', 'resolution_source'] as const).filter((f) => a[f] !== b[f]);
  return tokens(a) === tokens(b) ? fields : [...fields, 'tokens'];
}
