/**
 * The day's settlement rules, one click from the World panel: verbatim as the market states them
 * when they were recorded with the day; otherwise "rules not recorded" and what the manifest does
 * say (station, date, time zone, the buckets and their tokens).
 */
import { useApp, useSession, useUi } from '../app-context';
import { marketInfo } from '../market-info';

export function RulesDialog() {
  const { ui } = useApp();
  const open = useUi((s) => s.rulesOpen);
  const manifest = useSession((s) => s.manifest);
  if (!open) return null;
  const info = marketInfo(manifest);
  const close = () => ui.getState().setRulesOpen(false);
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && close()} onKeyDown={(e) => e.key === 'Escape' && close()}>
      <div className="dialog" role="dialog" aria-label="Settlement rules" data-testid="rules-dialog">
        <header>
          <h2>{info.title ?? 'Settlement rules'}</h2>
          <div className="spacer" />
          <button onClick={close} autoFocus>
            Close
          </button>
        </header>
        <div className="body">
          {!manifest ? (
            <div className="empty">Open a recorded day to see its market’s rules.</div>
          ) : (
            <>
              {info.rules ? (
                <pre className="rules-text" data-testid="rules-text">
                  {info.rules}
                </pre>
              ) : (
                <div className="alert" data-testid="rules-not-recorded">
                  Rules not recorded with this day. What the manifest says:
                </div>
              )}
              <dl className="kv">
                <dt>Station</dt>
                <dd>{manifest.station_id}</dd>
                <dt>Market date</dt>
                <dd>
                  {manifest.date} ({manifest.time_zone})
                </dd>
                {info.resolution_source && (
                  <>
                    <dt>Resolution source</dt>
                    <dd data-testid="rules-source">{info.resolution_source}</dd>
                  </>
                )}
                {info.slug && (
                  <>
                    <dt>Event</dt>
                    <dd>
                      {info.slug}
                      {info.event_id ? ` (${info.event_id})` : ''}
                    </dd>
                  </>
                )}
                <dt>Resolved</dt>
                <dd data-testid="rules-winner">{info.winner ?? 'not recorded as resolved'}</dd>
              </dl>
              <div className="section-title">Buckets ({manifest.tokens.length})</div>
              <table className="grid">
                <thead>
                  <tr>
                    <th>Bucket</th>
                    <th>YES token</th>
                    <th>Market</th>
                  </tr>
                </thead>
                <tbody>
                  {manifest.tokens.map((t) => (
                    <tr key={t.token_id} className={t.bucket !== null && t.bucket === info.winner ? 'selected' : ''}>
                      <td className="mono">{t.bucket ?? '—'}</td>
                      <td className="mono dim">{t.token_id}</td>
                      <td className="mono dim">{t.market_id}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
        </div>
      </div>
    </div>
  );
}
