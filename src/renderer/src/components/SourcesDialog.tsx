/**
 * What LIVE records: the embedded simulator or the real sources (Polymarket, METAR, PWS, the HELIOS
 * model ingest). `SourcesControl` sits next to the LIVE button: it names what runs and shows one dot
 * per upstream (its state in the title), and opens the dialog where the choice is made. The real
 * sources are configured with the same JSON as `record --config` (validated here with the same
 * schema); the keys the config names are typed in separately and kept by the shell — encrypted with
 * the OS keychain in the desktop app, in a file in browser mode (the dialog says where).
 */
import { useCallback, useEffect, useState } from 'react';
import { describeZodError } from '../../../shared/registry';
import { defaultSourcesConfig, secretNames, sourcesConfigSchema, type SourcesConfigInput, type SourcesView } from '../../../shared/sources-config';
import { useApp } from '../app-context';

const POLL_MS = 2000;
const TONE: Record<string, string> = {
  connected: 'ok',
  connecting: 'info',
  reconnecting: 'warn',
  stale: 'warn',
  failing: 'bad',
  not_configured: 'dim',
  stopped: 'dim',
};

/** The current view, refreshed every POLL_MS while mounted (the states move on their own). */
function useSourcesView(): [SourcesView | null, (v: SourcesView) => void, string | null] {
  const { api } = useApp();
  const [view, setView] = useState<SourcesView | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let cancelled = false;
    const load = () =>
      api.getSources().then(
        (v) => {
          if (cancelled) return;
          setView(v);
          setError(null);
        },
        (e: Error) => !cancelled && setError(e.message),
      );
    void load();
    const timer = setInterval(load, POLL_MS);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [api]);
  return [view, setView, error];
}

export function SourcesControl() {
  const { info } = useApp();
  const [view, setView, error] = useSourcesView();
  const [open, setOpen] = useState(false);
  if (!info?.live_available && !view) return null;
  const live = view?.live ?? null;
  const kind = live?.kind ?? view?.choice.kind ?? null;
  return (
    <>
      <button data-testid="sources-button" data-kind={kind ?? ''} onClick={() => setOpen(true)} title={error ?? 'What LIVE records: the simulator or the real sources'}>
        {kind === 'real' ? 'REAL' : kind === 'simulator' ? 'SIM' : 'Sources'}
        {live?.error && <span className="bad"> !</span>}
        {live?.statuses.map((s) => (
          <span key={s.source} data-testid={`source-state-${s.source}`} data-state={s.state} className={TONE[s.state] ?? 'dim'} title={`${s.source}: ${s.state}${s.detail ? ` — ${s.detail}` : ''}`} style={{ marginLeft: 4 }}>
            ●
          </span>
        ))}
      </button>
      {open && view && <SourcesDialog view={view} onChange={setView} onClose={() => setOpen(false)} />}
    </>
  );
}

function SourcesDialog({ view, onChange, onClose }: { view: SourcesView; onChange: (v: SourcesView) => void; onClose: () => void }) {
  const { api } = useApp();
  const [kind, setKind] = useState(view.choice.kind);
  const [text, setText] = useState(() => JSON.stringify(view.choice.kind === 'real' ? view.choice.config : defaultSourcesConfig(), null, 2));
  const [keys, setKeys] = useState<Record<string, string>>({});
  const [saving, setSaving] = useState(false);
  const [result, setResult] = useState<string | null>(null);

  const parsed = parseConfig(text);
  const names = parsed.config ? secretNames(parsed.config) : [];
  const apply = useCallback(async () => {
    setSaving(true);
    setResult(null);
    try {
      const secrets = Object.fromEntries(names.map((n) => [n, keys[n] ? keys[n]! : null]));
      const next = await api.setSources(kind === 'real' && parsed.config ? { kind: 'real', config: parsed.config, secrets } : { kind: 'simulator' });
      onChange(next);
      setKeys({});
      setResult('Saved: LIVE switches now.');
    } catch (e) {
      setResult((e as Error).message);
    } finally {
      setSaving(false);
    }
  }, [api, kind, parsed.config, names, keys, onChange]);

  const live = view.live;
  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && onClose()}>
      <div className="dialog" role="dialog" aria-label="Live sources" data-testid="sources-dialog">
        <header>
          <h2>Live sources</h2>
          <div className="spacer" />
          <button onClick={onClose}>Close</button>
        </header>
        <div className="body">
          <div className="group seg" role="radiogroup" aria-label="What LIVE records" style={{ marginBottom: 8 }}>
            <button data-testid="sources-simulator" aria-pressed={kind === 'simulator'} onClick={() => setKind('simulator')}>
              Simulator
            </button>
            <button data-testid="sources-real" aria-pressed={kind === 'real'} onClick={() => setKind('real')}>
              Real sources
            </button>
          </div>
          {kind === 'simulator' ? (
            <p className="dim">The embedded, deterministic KLGA simulator: a realistic day, nothing from the outside world.</p>
          ) : (
            <>
              <p className="dim">
                Polymarket, METAR, PWS and the model ingest endpoint, configured as for <span className="mono">record --config</span> (see
                config/sources.example.json); <span className="mono">null</span> turns a source off, left-out URLs are the real services.
              </p>
              <textarea
                data-testid="sources-config"
                aria-label="Sources config (JSON)"
                spellCheck={false}
                value={text}
                onChange={(e) => setText(e.target.value)}
                style={{ width: '100%', height: 200, fontFamily: 'var(--mono)', fontSize: 12, background: '#0c1016', border: '1px solid var(--border)', borderRadius: 3, padding: 6 }}
              />
              {parsed.error && (
                <div className="alert bad" data-testid="sources-config-error">
                  {parsed.error}
                </div>
              )}
              {names.map((name) => (
                <label key={name} style={{ display: 'flex', gap: 8, alignItems: 'center', marginTop: 4 }}>
                  <span className="mono" style={{ minWidth: 200 }}>
                    {name}
                  </span>
                  <input
                    type="password"
                    data-testid={`sources-key-${name}`}
                    autoComplete="off"
                    disabled={!view.can_store_secrets}
                    placeholder={view.secrets_stored.includes(name) ? 'stored (type to replace)' : 'not stored: read from the environment'}
                    value={keys[name] ?? ''}
                    onChange={(e) => setKeys({ ...keys, [name]: e.target.value })}
                    style={{ flex: 1 }}
                  />
                </label>
              ))}
              <p className="dim" data-testid="sources-secret-storage">
                Keys are kept {view.secret_storage}.
              </p>
            </>
          )}
          <div style={{ display: 'flex', gap: 8, alignItems: 'center' }}>
            <button className="primary" data-testid="sources-apply" disabled={saving || (kind === 'real' && !parsed.config)} onClick={() => void apply()}>
              Record these LIVE
            </button>
            {result && <span data-testid="sources-result">{result}</span>}
          </div>
          {live && (
            <table className="grid" data-testid="sources-states" style={{ marginTop: 8 }}>
              <tbody>
                <tr>
                  <td className="strong">LIVE</td>
                  <td colSpan={2}>{live.kind === 'real' ? 'real sources' : 'simulator'}</td>
                </tr>
                {live.error && (
                  <tr>
                    <td />
                    <td colSpan={2} className="bad" data-testid="sources-live-error">
                      {live.error}
                    </td>
                  </tr>
                )}
                {live.statuses.map((s) => (
                  <tr key={s.source}>
                    <td className="mono">{s.source}</td>
                    <td className={TONE[s.state] ?? 'dim'}>{s.state.replace('_', ' ')}</td>
                    <td className="dim">{s.detail}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      </div>
    </div>
  );
}

function parseConfig(text: string): { config: SourcesConfigInput | null; error: string | null } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { config: null, error: `not JSON: ${(e as Error).message}` };
  }
  const parsed = sourcesConfigSchema.safeParse(json);
  return parsed.success ? { config: json as SourcesConfigInput, error: null } : { config: null, error: describeZodError(parsed.error) };
}
