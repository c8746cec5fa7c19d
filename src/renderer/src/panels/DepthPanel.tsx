/** L2 depth: every token's top of book, and the selected token's ladder with BBO and integrity. */
import { memo } from 'react';
import { depth } from '../../../shared/book';
import type { TokenBook } from '../../../shared/channel-state';
import { useApp, useSession } from '../app-context';
import { formatAge, formatNumber, formatPrice, formatSize, shortId } from '../format';
import { useSelectedToken, useTokenIds, useTokenName } from './tokens';
import { Panel } from './Panel';

const LADDER_LEVELS = 10;

export function DepthPanel() {
  const tokens = useTokenIds();
  const selected = useSelectedToken();
  return (
    <Panel id="depth" title="L2 depth" className="area-depth" extra={<span className="dim">{tokens.length} tokens</span>}>
      {tokens.length === 0 ? (
        <div className="empty">No book yet.</div>
      ) : (
        <>
          <TokenTable tokens={tokens} selected={selected} />
          {selected && <Ladder tokenId={selected} />}
        </>
      )}
    </Panel>
  );
}

function TokenTable({ tokens, selected }: { tokens: string[]; selected: string | null }) {
  const { ui } = useApp();
  return (
    <table className="grid" style={{ marginBottom: 8 }} data-testid="depth-tokens">
      <thead>
        <tr>
          <th>Bucket</th>
          <th className="num">Bid</th>
          <th className="num">Ask</th>
          <th className="num">Mid</th>
          <th className="num">Sprd</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {tokens.map((t) => (
          <TokenRow key={t} tokenId={t} selected={t === selected} onSelect={(overlay) => (overlay ? ui.getState().toggleOverlay(t) : ui.getState().selectToken(t))} />
        ))}
      </tbody>
    </table>
  );
}

/** Click selects the token; Shift+click draws it on the price chart with the selected one. */
const TokenRow = memo(function TokenRow({ tokenId, selected, onSelect }: { tokenId: string; selected: boolean; onSelect: (overlay: boolean) => void }) {
  const book = useSession((s) => s.channels.books[tokenId]);
  const name = useTokenName(tokenId);
  if (!book) return null;
  const m = book.metrics;
  return (
    <tr
      className={`clickable${selected ? ' selected' : ''}`}
      onClick={(e) => onSelect(e.shiftKey)}
      data-testid="depth-token-row"
      data-token={tokenId}
      aria-selected={selected}
      title={`token ${tokenId}\nmarket ${book.market_id}\nShift+click: overlay on the price chart`}
    >
      <td className="mono" data-testid="depth-token-label">
        {name}
      </td>
      <td className="num bid">{formatPrice(m.best_bid)}</td>
      <td className="num ask">{formatPrice(m.best_ask)}</td>
      <td className="num">{formatPrice(m.mid, 4)}</td>
      <td className="num">{formatPrice(m.spread)}</td>
      <td>{book.book_ok ? <span className="badge ok">OK</span> : <span className="badge bad">!</span>}</td>
    </tr>
  );
});

function Ladder({ tokenId }: { tokenId: string }) {
  const book = useSession((s) => s.channels.books[tokenId]);
  const at = useSession((s) => s.clock?.current_ms ?? s.channels.at_ms);
  const name = useTokenName(tokenId);
  if (!book) return null;
  const m = book.metrics;
  const asks = book.asks.slice(0, LADDER_LEVELS);
  const bids = book.bids.slice(0, LADDER_LEVELS);
  const maxSize = Math.max(1, ...asks.map((l) => l.s), ...bids.map((l) => l.s));
  const age = at === null ? null : at - Date.parse(book.updated_at);
  return (
    <div data-testid="depth-ladder" data-token={tokenId}>
      <div className="section-title" title={`token ${tokenId}`}>
        Ladder · <span className="strong mono" data-testid="ladder-token-label">{name}</span>
      </div>
      <BookAlert book={book} />
      <div className="bbo">
        <div>
          <label>Best bid</label>
          <span className="bid" data-testid="depth-best-bid" data-value={m.best_bid ?? ''}>
            {formatPrice(m.best_bid)}
          </span>
        </div>
        <div>
          <label>Best ask</label>
          <span className="ask" data-testid="depth-best-ask" data-value={m.best_ask ?? ''}>
            {formatPrice(m.best_ask)}
          </span>
        </div>
        <div>
          <label>Spread</label>
          <span data-testid="depth-spread">{formatPrice(m.spread)}</span>
        </div>
      </div>
      {/* rows keyed by rank, not price: as prices move the rows' text changes in place, no row is inserted or removed */}
      <table className="ladder" aria-label="Order book ladder">
        <tbody>
          {[...asks].reverse().map((l, i) => (
            <tr key={`a${i}`} className={`ask${i === asks.length - 1 ? ' best' : ''}`}>
              <td className="dim">{i === asks.length - 1 ? 'ask' : ''}</td>
              <td className="ask">{formatPrice(l.p)}</td>
              <td style={{ textAlign: 'right' }}>
                <div className="bar" style={{ width: `${(l.s / maxSize) * 100}%` }} />
                {formatSize(l.s)}
              </td>
            </tr>
          ))}
          <tr className="spread">
            <td colSpan={3}>
              mid {formatPrice(m.mid, 4)} · micro {formatPrice(m.microprice, 4)} · imb {formatNumber(m.imbalance, 2)}
            </td>
          </tr>
          {bids.map((l, i) => (
            <tr key={`b${i}`} className={`bid${i === 0 ? ' best' : ''}`}>
              <td className="dim">{i === 0 ? 'bid' : ''}</td>
              <td className="bid">{formatPrice(l.p)}</td>
              <td style={{ textAlign: 'right' }}>
                <div className="bar" style={{ width: `${(l.s / maxSize) * 100}%` }} />
                {formatSize(l.s)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <dl className="kv" style={{ marginTop: 6 }}>
        <dt>Depth (top {LADDER_LEVELS})</dt>
        <dd>
          <span className="bid">{formatSize(depth(bids))}</span> / <span className="ask">{formatSize(depth(asks))}</span>
        </dd>
        <dt>seq · epoch</dt>
        <dd>
          {book.seq} · {book.resync_epoch_id}
        </dd>
        <dt>Deltas since snap</dt>
        <dd>{book.deltas_since_snapshot}</dd>
        <dt>Updated</dt>
        <dd>{formatAge(age)} ago</dd>
        <dt>Token</dt>
        <dd title={tokenId}>{shortId(tokenId, 8, 5)}</dd>
        <dt>Market</dt>
        <dd title={book.market_id}>{shortId(book.market_id, 10, 6)}</dd>
      </dl>
    </div>
  );
}

function BookAlert({ book }: { book: TokenBook }) {
  const event = book.last_book_event;
  if (book.book_ok) return null;
  return (
    <div className="alert bad" data-testid="book-warning" role="alert">
      book_ok = false — book not trustworthy{event ? ` (${event.kind}${event.detail ? `: ${event.detail}` : ''})` : ''}
    </div>
  );
}
