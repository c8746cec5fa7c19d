import { useEffect } from 'react';
import { useApp, useSession, useUi } from '../app-context';
import { SHORTCUTS } from '../keyboard';

const NOTICE_MS = 8000;

export function StatusBar() {
  const { ui, info } = useApp();
  const notice = useUi((s) => s.notice);
  const kind = useSession((s) => s.kind);
  const error = useSession((s) => s.clock?.error ?? null);
  const frames = useSession((s) => s.framesApplied);

  useEffect(() => {
    if (!notice) return;
    const timer = setTimeout(() => ui.setState({ notice: null }), NOTICE_MS);
    return () => clearTimeout(timer);
  }, [notice, ui]);

  return (
    <footer className="status" data-testid="status-bar">
      <span>{kind === 'none' ? 'no source' : kind}</span>
      {error && <span className="bad">{error}</span>}
      {notice && (
        <span className={`notice ${notice.tone}`} data-testid="notice" role="status">
          {notice.text}
        </span>
      )}
      <div className="spacer" />
      <span title={SHORTCUTS.map(([k, v]) => `${k}: ${v}`).join('\n')}>
        <span className="kbd">Space</span> play · <span className="kbd">M</span> METAR · <span className="kbd">W</span> window · <span className="kbd">S</span> shock · <span className="kbd">1–5</span> speed
      </span>
      <span className="mono" title="player states folded into the store">
        {frames}
      </span>
      <span title="data root">{info ? `${info.shell} · ${info.data_root}` : ''}</span>
    </footer>
  );
}
