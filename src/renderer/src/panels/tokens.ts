/** Token list, selection and display names shared by the depth and price panels. */
import { useEffect } from 'react';
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import { useApp, useSession } from '../app-context';
import { shortId } from '../format';

/** Tokens that have a book, in a stable order. */
export function useTokenIds(): string[] {
  return useSession(useShallow((s) => Object.keys(s.channels.books).sort(compareTokens)));
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
  useEffect(() => {
    if (valid || tokens.length === 0) return;
    const books = session.getState().channels.books;
    const favourite = tokens.reduce((best, t) => ((books[t]?.metrics.mid ?? -1) > (books[best]?.metrics.mid ?? -1) ? t : best));
    ui.getState().selectToken(favourite);
  }, [valid, tokens, session, ui]);
  return valid ? picked : (tokens[0] ?? null);
}

/** Token ids ending in a number-ish bucket sort naturally ("…-33-34F" before "…-35-36F"). */
export function compareTokens(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export function tokenLabel(tokenId: string): string {
  return shortId(tokenId, 8, 5);
}
