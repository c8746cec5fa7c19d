/**
 * File ▸ Connect to Server…: days and live from a `helios serve` server instead of the local data
 * folder. The shell connects (the token goes to it once and stays there); the page then reloads
 * so every view starts over from the new source.
 */
import { useState, type FormEvent } from 'react';
import { useApp, useUi } from '../app-context';

export function ConnectDialog() {
  const { api, ui, info } = useApp();
  const open = useUi((s) => s.connectOpen);
  const [url, setUrl] = useState(info?.server ?? 'http://127.0.0.1:7600');
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!open) return null;

  const close = () => ui.getState().setConnectOpen(false);
  const use = async (target: { url: string | null; token?: string }) => {
    setBusy(true);
    setError(null);
    try {
      await api.connectServer(target);
      window.location.reload();
    } catch (e) {
      setError((e as Error).message);
      setBusy(false);
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void use({ url: url.trim(), token: token || undefined });
  };

  return (
    <div className="overlay" onClick={(e) => e.target === e.currentTarget && !busy && close()}>
      <form className="dialog connect" role="dialog" aria-label="Connect to Server" data-testid="connect-dialog" onSubmit={submit}>
        <header>
          <h2>Connect to Server</h2>
          <span className="dim">LIVE and REPLAY from a <span className="mono">helios serve</span> server</span>
        </header>
        <div className="body">
          <label>
            Server URL
            <input className="mono" data-testid="server-url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://tape.lan:7600" required autoFocus />
          </label>
          <label>
            Token <span className="dim">(for servers not on this machine)</span>
            <input className="mono" data-testid="server-token" type="password" value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
          </label>
          {error && <div className="alert bad" data-testid="connect-error">{error}</div>}
        </div>
        <footer>
          {info?.server && (
            <button type="button" disabled={busy} onClick={() => void use({ url: null })}>
              Use local data
            </button>
          )}
          <div className="spacer" />
          <button type="button" disabled={busy} onClick={close}>
            Cancel
          </button>
          <button className="primary" type="submit" disabled={busy} data-testid="connect-submit">
            {busy ? 'Connecting…' : 'Connect'}
          </button>
        </footer>
      </form>
    </div>
  );
}
