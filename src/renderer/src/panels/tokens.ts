/**
 * Token list, selection and display names shared by the panels. A token is shown by its outcome
 * bucket ("34-35°F"), from its latest snapshot or the day's manifest, and only falls back to a
 * shortened id when neither knows it. Tokens are ordered like the market's buckets: the manifest's
 * order in replay, the latest nowcast's bucket order live.
 */
import { useEffect, useMemo } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { ChannelState } from '../../../shared/channel-state';
import type { Manifest } from '../../../shared/manifest';
import { useApp, useSession } from '../app-context';
import { shortId } from '../format';
import type { SessionState } from '../store/session-store';
import type { BucketToken } from '../probability';

type ManifestTokens = Manifest['tokens'];

/** The bucket label of a token, else its shortened id. */
export function tokenLabel(tokenId: string, books: ChannelState['books'], manifestTokens: ManifestTokens): string {
  return books[tokenId]?.bucket ?? manifestTokens.find((t) => t.token_id === tokenId)?.bucket ?? shortId(tokenId, 8, 5);
}

/** "9°F" before "10°F". One collator: `localeCompare` with options builds one per call, and every panel's selector sorts at every frame. */
const LABEL_ORDER = new Intl.Collator('en', { numeric: true });

/**
 * Tokens in the market's bucket order: the manifest's order (replay), else the order of the latest
 * nowcast's buckets (live); tokens with no known place come last, by label.
 */
export function orderTokens(tokenIds: readonly string[], state: Pick<SessionState, 'tokens'> & { channels: Pick<ChannelState, 'books' | 'nowcast'> }): string[] {
  const rank = new Map<string, number>();
  if (state.tokens.length > 0) state.tokens.forEach((t, i) => rank.set(t.token_id, i));
  else {
    const buckets = state.channels.nowcast?.p_bucket.map((b) => b.bucket) ?? [];
    for (const id of tokenIds) {
      const i = buckets.indexOf(state.channels.books[id]?.bucket ?? '');
      if (i >= 0) rank.set(id, i);
    }
  }
  const label = (id: string) => tokenLabel(id, state.channels.books, state.tokens);
  return [...tokenIds].sort((a, b) => {
    const ra = rank.get(a) ?? Infinity;
    const rb = rank.get(b) ?? Infinity;
    if (ra !== rb) return ra - rb;
    return LABEL_ORDER.compare(label(a), label(b)) || (a < b ? -1 : a > b ? 1 : 0);
  });
}

/** Every token known (the manifest's, and any with a book), in bucket order, with its label. */
export function bucketTokens(state: Pick<SessionState, 'tokens'> & { channels: Pick<ChannelState, 'books' | 'nowcast'> }): BucketToken[] {
  const ids = new Set([...state.tokens.map((t) => t.token_id), ...Object.keys(state.channels.books)]);
  return orderTokens([...ids], state).map((token_id) => ({ token_id, bucket: tokenLabel(token_id, state.channels.books, state.tokens) }));
}

/** `bucketTokens`, re-rendering only when the list or a label changes. */
export function useBucketTokens(): BucketToken[] {
  const key = useSession((s) =>
    bucketTokens(s)
      .map((t) => `${t.token_id}\u0000${t.bucket}`)
      .join('\u0001'),
  );
  return useMemo(
    () =>
      key === ''
        ? []
        : key.split('\u0001').map((pair) => {
            const [token_id, bucket] = pair.split('\u0000') as [string, string];
            return { token_id, bucket };
          }),
    [key],
  );
}

/** Tokens that have a book, in bucket order. */
export function useTokenIds(): string[] {
  return useSession(useShallow((s) => orderTokens(Object.keys(s.channels.books), s)));
}

/** A token's bucket label (re-renders only when the label changes). */
export function useTokenName(tokenId: string | null): string {
  return useSession((s) => (tokenId === null ? '—' : tokenLabel(tokenId, s.channels.books, s.tokens)));
}

/** A token's label as of now, for one-off text (tooltips). */
export function tokenLabelNow(state: Pick<SessionState, 'channels' | 'tokens'>, tokenId: string): string {
  return tokenLabel(tokenId, state.channels.books, state.tokens);
}

/**
 * The token the analyst picked; until they pick one, the market's favourite (highest mid) when the
 * books first appear, kept from then on so the panels don't jump between tokens as prices move.
 */
export function useSelectedToken(): string | null {
  const { ui, session } = useApp();
  const picked = useStore(ui, (s) => s.selectedToken);
  const tokens = useTokenIds();
  const valid = picked !== null && tokens.includes(picked);
  const priced = useSession((s) => tokens.some((t) => s.channels.books[t]?.metrics.mid != null));
  useEffect(() => {
    // wait for a price: before the first books every mid is null and the pick would be arbitrary
    if (valid || tokens.length === 0 || !priced) return;
    const books = session.getState().channels.books;
    const favourite = tokens.reduce((best, t) => ((books[t]?.metrics.mid ?? -1) > (books[best]?.metrics.mid ?? -1) ? t : best));
    ui.getState().selectToken(favourite);
  }, [valid, tokens, priced, session, ui]);
  return valid ? picked : (tokens[0] ?? null);
}

/** The token the panels show as selected, as of now (for one-off actions: keys, buttons). */
export function selectedTokenNow(picked: string | null, state: Pick<SessionState, 'tokens'> & { channels: Pick<ChannelState, 'books' | 'nowcast'> }): string | null {
  const tokens = orderTokens(Object.keys(state.channels.books), state);
  return picked !== null && tokens.includes(picked) ? picked : (tokens[0] ?? null);
}
