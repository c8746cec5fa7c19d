/**
 * `POST {clob_url}/books` (sources.md §1.5): body `[{"token_id":…},…]`, answer a JSON array of
 * order book summaries — the `book` message's shape minus `event_type` (plus `min_order_size`,
 * `neg_risk`, `tick_size`, `last_trade_price`). The pure half: request body and response → messages.
 */
import type { SourceMessage } from '../source';

export type RestBookMessage = Extract<SourceMessage, { kind: 'clob_rest_book' }>;

export function booksUrl(clobUrl: string): string {
  return `${clobUrl.replace(/\/+$/, '')}/books`;
}

export function booksRequestBody(tokenIds: readonly string[]): string {
  return JSON.stringify(tokenIds.map((token_id) => ({ token_id })));
}

export function parseBooksResponse(body: string, received_ms: number): { messages: RestBookMessage[]; rejections: { reason: string; input: unknown }[] } {
  const out: ReturnType<typeof parseBooksResponse> = { messages: [], rejections: [] };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (e) {
    out.rejections.push({ reason: `POST /books: not JSON (${(e as Error).message})`, input: body });
    return out;
  }
  if (!Array.isArray(json)) {
    out.rejections.push({ reason: 'POST /books: expected an array of books', input: json });
    return out;
  }
  for (const [i, book] of json.entries()) {
    if (typeof book !== 'object' || book === null || Array.isArray(book) || typeof (book as { asset_id?: unknown }).asset_id !== 'string') {
      out.rejections.push({ reason: `POST /books: element ${i} is not a book with an asset_id`, input: book });
      continue;
    }
    out.messages.push({ kind: 'clob_rest_book', received_ms, book: book as RestBookMessage['book'] });
  }
  return out;
}
