/**
 * Storage channel names (partition names and public API, docs/spec.md §2) and the protocol groups that the
 * live UI and external clients subscribe to. Replay emits the same groups with the same payloads.
 */
export const CHANNELS = [
  'l2_snap_1s',
  'l2_deltas',
  'tape_trades',
  'book_events',
  'metar_obs',
  'pws_cluster',
  'features_1m',
  'nowcast_1m',
  'health',
  'event_windows',
  'markets',
] as const;

export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_GROUPS = {
  l2: ['l2_snap_1s', 'l2_deltas', 'book_events'],
  tape: ['tape_trades'],
  world: ['metar_obs', 'pws_cluster'],
  features: ['features_1m'],
  nowcast: ['nowcast_1m'],
  health: ['health'],
  windows: ['event_windows'],
  markets: ['markets'],
} as const satisfies Record<string, readonly Channel[]>;

export type ChannelGroup = keyof typeof CHANNEL_GROUPS;
export const GROUPS = Object.keys(CHANNEL_GROUPS) as ChannelGroup[];

const groupOf = new Map<Channel, ChannelGroup>();
for (const g of GROUPS) for (const ch of CHANNEL_GROUPS[g]) groupOf.set(ch, g);

export function channelGroup(ch: Channel): ChannelGroup {
  return groupOf.get(ch)!;
}

export function isChannel(x: unknown): x is Channel {
  return typeof x === 'string' && (CHANNELS as readonly string[]).includes(x);
}

/** Channels carrying market data keyed by token: replay state is kept per token for these. */
export const TOKEN_CHANNELS: readonly Channel[] = ['l2_snap_1s', 'l2_deltas', 'tape_trades', 'book_events'];

/**
 * What the recorder may shed when its writer falls behind, most expendable first. Everything else
 * is never shed: world and model channels, window records, integrity markers, and health (which is
 * where the shedding itself is reported).
 */
export const SHED_ORDER: readonly Channel[] = ['l2_deltas', 'l2_snap_1s', 'tape_trades'];
