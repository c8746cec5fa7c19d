/**
 * Ad-hoc SQL (DuckDB-WASM) over the whole replayed day — or several days at once (the days picker:
 * one view per channel stacks them, with a `date` column). One table per channel, loaded in the
 * background once the console is opened (DuckDB-WASM boots only then); `l2_snap_1s` there has no level arrays (full books stay in the
 * replay's row-group cache) and `l2_deltas` loads the first time a query names it. A result is
 * counted exactly and paged through whole, and can be saved as CSV or Parquet. Ctrl/Cmd+Enter runs.
 */
import { useEffect, useState } from 'react';
import { dayKey, type DayRef, type DaySummary } from '../../../shared/api';
import { useApp, useSession, useUi } from '../app-context';
import { cellText } from '../replay/table-files';
import type { QueryResult } from '../session/backends';

const PAGE_ROWS = 200;
const count = (n: number) => n.toLocaleString('en-US');

export function SqlConsole() {
  const { api, controller, ui } = useApp();
  const kind = useSession((s) => s.kind);
  const stationId = useSession((s) => s.clock?.station_id ?? null);
  const date = useSession((s) => s.clock?.date ?? null);
  const example = kind === 'replay' ? (controller.openedDay?.exampleQuery ?? '') : '';
  const tables = kind === 'replay' ? (controller.openedDay?.tablesHelp ?? '') : '';
  const history = useUi((s) => s.historyLoad);
  const draft = useUi((s) => s.sqlDraft);
  const loading = kind === 'replay' && history !== null && !history.done && !history.error;
  const [sql, setSql] = useState(example);
  const [result, setResult] = useState<{ data: QueryResult; ms: number; sql: string } | null>(null);
  const [page, setPage] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState<string | null>(null);
  const [days, setDays] = useState<DaySummary[]>([]);
  const [extraDays, setExtraDays] = useState<readonly DayRef[]>([]);
  const current: DayRef | null = kind === 'replay' && stationId && date ? { station_id: stationId, date } : null;

  useEffect(() => {
    if (example && !sql) setSql(example);
  }, [example, sql]);

  useEffect(() => {
    if (draft === null) return;
    const text = ui.getState().takeSqlDraft();
    if (text !== null) setSql(text);
  }, [draft, ui]);

  useEffect(() => {
    if (kind === 'replay') controller.prepareQueries();
  }, [controller, kind, stationId, date]);

  useEffect(() => {
    let cancelled = false;
    api.listDays().then(
      (d) => !cancelled && setDays(d.filter((x) => !x.damaged)),
      () => {},
    );
    return () => {
      cancelled = true;
    };
  }, [api, kind]);

  const queriedDays = current ? [current, ...extraDays.filter((d) => !sameDay(d, current))] : [];

  const run = async () => {
    setRunning('Running…');
    setError(null);
    const t0 = performance.now();
    try {
      const data = await controller.query(sql, {
        days: queriedDays.length > 1 ? queriedDays : undefined,
        onProgress: (text, fraction) => setRunning(`${text}${fraction === null ? '' : ` ${Math.round(fraction * 100)}%`}…`),
      });
      setResult({ data, ms: performance.now() - t0, sql });
      setPage(0);
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    } finally {
      setRunning(null);
    }
  };

  const save = async (format: 'csv' | 'parquet') => {
    if (!result) return;
    const name = `helios-query-${new Date().toISOString().slice(0, 19).replaceAll(':', '')}Z`;
    const notice = ui.getState().notify(`Saving the query result (${count(result.data.rowCount)} rows) as ${format.toUpperCase()}…`, 'info', null);
    try {
      const bytes = await result.data.file(format);
      const saved = await api.saveExport({ name, files: [{ name: `${name}.${format}`, bytes }] });
      ui.getState().updateNotice(notice, { text: saved.saved ? `Query result saved to ${saved.path}` : 'Saving the query result was cancelled', progress: undefined });
    } catch (e) {
      ui.getState().updateNotice(notice, { text: `Saving the query result failed: ${(e as Error).message}`, tone: 'error', progress: undefined });
    }
  };

  const pages = result ? Math.max(1, Math.ceil(result.data.rowCount / PAGE_ROWS)) : 0;
  const first = page * PAGE_ROWS;
  const rows = result ? result.data.rows(first, first + PAGE_ROWS) : [];
  return (
    <section className="sql" data-testid="panel-sql" aria-label="SQL console">
      <div className="sql-editor">
        <textarea
          data-testid="sql-input"
          aria-label="SQL"
          spellCheck={false}
          value={sql}
          placeholder={kind === 'replay' ? `SELECT … FROM l2_snap_1s (tables: ${tables})` : 'Open a recorded day to query it'}
          onChange={(e) => setSql(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              void run();
            }
          }}
        />
        <div className="sql-side">
          <button className="primary" data-testid="sql-run" disabled={running !== null || kind !== 'replay' || !sql.trim()} onClick={() => void run()}>
            {running ? (loading ? 'Loading day…' : 'Running…') : 'Run ⌃⏎'}
          </button>
          <DaysPicker days={days} current={current} extra={extraDays} onChange={setExtraDays} />
          <span className="dim" style={{ fontSize: 10.5 }} data-testid="sql-status">
            {running ?? (loading ? `day ${Math.round(history!.fraction * 100)}% loaded` : queriedDays.length > 1 ? `${queriedDays.length} days` : 'whole day')}
          </span>
        </div>
      </div>
      <div className="sql-help dim" data-testid="sql-help">
        {kind === 'replay' && tables ? (
          <>
            Whole day, one table per channel: {tables}. Full book levels are not here: they stay in the replay’s row-group cache.
            {queriedDays.length > 1 && ' Several days: each table stacks them, with a date column.'}
          </>
        ) : (
          'Open a recorded day to query it.'
        )}
      </div>
      {result && (
        <div className="sql-pager" data-testid="sql-pager">
          <span data-testid="sql-row-count" data-rows={result.data.rowCount}>
            <b>{count(result.data.rowCount)}</b> row{result.data.rowCount === 1 ? '' : 's'} · {result.ms.toFixed(0)} ms
          </span>
          <button data-testid="sql-first" disabled={page === 0} onClick={() => setPage(0)} aria-label="First page">
            ⏮
          </button>
          <button data-testid="sql-prev" disabled={page === 0} onClick={() => setPage(page - 1)} aria-label="Previous page">
            ◀
          </button>
          <span className="mono" data-testid="sql-page" data-first={first} data-page={page}>
            {result.data.rowCount === 0 ? 'no rows' : `rows ${count(first + 1)}–${count(Math.min(result.data.rowCount, first + PAGE_ROWS))}`}
          </span>
          <button data-testid="sql-next" disabled={page >= pages - 1} onClick={() => setPage(page + 1)} aria-label="Next page">
            ▶
          </button>
          <button data-testid="sql-last" disabled={page >= pages - 1} onClick={() => setPage(pages - 1)} aria-label="Last page">
            ⏭
          </button>
          <label className="dim">
            page{' '}
            <input
              type="number"
              data-testid="sql-page-input"
              min={1}
              max={pages}
              value={page + 1}
              onChange={(e) => setPage(Math.min(pages - 1, Math.max(0, Math.floor(Number(e.target.value) || 1) - 1)))}
              style={{ width: 72 }}
            />{' '}
            of {count(pages)}
          </label>
          <div className="spacer" />
          <button data-testid="sql-save-csv" onClick={() => void save('csv')} title="The whole result as CSV">
            Save CSV
          </button>
          <button data-testid="sql-save-parquet" onClick={() => void save('parquet')} title="The whole result as Parquet">
            Save Parquet
          </button>
        </div>
      )}
      <div className="sql-result" data-testid="sql-result">
        {error && (
          <div className="alert bad" role="alert">
            {error}
          </div>
        )}
        {result && (
          <table className="grid">
            <thead>
              <tr>
                {result.data.columns.map((c) => (
                  <th key={c}>{c}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((row, i) => (
                <tr key={first + i}>
                  {row.map((v, j) => (
                    <td key={j} className={typeof v === 'number' || typeof v === 'bigint' ? 'num' : 'mono'}>
                      {v === null || v === undefined ? 'NULL' : cellText(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    </section>
  );
}

const sameDay = (a: DayRef, b: DayRef) => a.station_id === b.station_id && a.date === b.date;

/** Which days the console queries: the replayed one always, others when ticked. */
function DaysPicker({ days, current, extra, onChange }: { days: DaySummary[]; current: DayRef | null; extra: readonly DayRef[]; onChange: (days: DayRef[]) => void }) {
  const others = days.filter((d) => !current || !sameDay(d, current));
  const chosen = extra.filter((d) => others.some((o) => sameDay(o, d)));
  return (
    <details className="menu days-picker" data-testid="sql-days">
      <summary role="button" title="Query several days at once">
        days: {current ? 1 + chosen.length : 0} ▾
      </summary>
      <div className="menu-list" role="menu">
        {current && (
          <label>
            <input type="checkbox" checked disabled /> {current.station_id} {current.date} (open)
          </label>
        )}
        {others.length === 0 && <span className="dim">no other compacted day</span>}
        {others.map((d) => {
          const on = chosen.some((c) => sameDay(c, d));
          return (
            <label key={dayKey(d)}>
              <input
                type="checkbox"
                data-testid={`sql-day-${d.station_id}-${d.date}`}
                checked={on}
                onChange={() => onChange(on ? chosen.filter((c) => !sameDay(c, d)) : [...chosen, { station_id: d.station_id, date: d.date }])}
              />{' '}
              {d.station_id} {d.date}
            </label>
          );
        })}
      </div>
    </details>
  );
}
