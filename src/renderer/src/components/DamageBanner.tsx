/**
 * Damaged data, said plainly: the channels of the replayed day left out because their file could
 * not be read, each with its file and the reason, and *Re-compact this day* when the day's journal
 * is still there to compact it from. Always rendered (an empty row when all is well).
 */
import { useEffect, useState } from 'react';
import { useApp, useSession } from '../app-context';

export function DamageBanner() {
  const { api, controller } = useApp();
  const damaged = useSession((s) => s.damaged);
  const station = useSession((s) => s.manifest?.station_id ?? null);
  const date = useSession((s) => s.manifest?.date ?? null);
  const [journal, setJournal] = useState<boolean | null>(null);
  const [busy, setBusy] = useState(false);
  const hasDamage = damaged.length > 0;

  useEffect(() => {
    setJournal(null);
    if (!hasDamage || !station || !date) return;
    let cancelled = false;
    api.listDays().then(
      (days) => !cancelled && setJournal(days.find((d) => d.station_id === station && d.date === date)?.journal ?? false),
      () => !cancelled && setJournal(false),
    );
    return () => {
      cancelled = true;
    };
  }, [api, hasDamage, station, date]);

  if (!hasDamage || !station || !date) return <div className="damage-banner empty-row" />;
  return (
    <div className="damage-banner alert bad" role="alert" data-testid="damage-banner">
      <div className="damage-list">
        {damaged.map((d) => (
          <div key={d.ch} data-testid="damaged-channel" data-ch={d.ch} data-file={d.file}>
            <b>{d.ch}</b> left out — <span className="mono">{d.file}</span>: {d.reason}
          </div>
        ))}
        <div className="dim">The other channels replay as recorded.</div>
      </div>
      {journal ? (
        <button
          className="primary"
          data-testid="recompact-day"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void controller.recompact({ station_id: station, date }).finally(() => setBusy(false));
          }}
          title="Compact this day again from its journal, replacing the damaged files"
        >
          {busy ? 'Re-compacting…' : 'Re-compact this day'}
        </button>
      ) : (
        journal === false && <span className="dim">Its journal is gone: it cannot be compacted again.</span>
      )}
    </div>
  );
}
