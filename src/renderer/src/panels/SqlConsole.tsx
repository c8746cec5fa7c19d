/**
 * Ad-hoc SQL (DuckDB-WASM) over the whole replayed day: one table per channel, loaded in the
 * background after the day opens. `l2_snap_1s` there has no level arrays and `l2_deltas` is not
 * loaded — full books and deltas stay in the replay's row-group cache. Ctrl/Cmd+Enter runs.
 */
import { useEffect, useState } from 'react';
import { useApp, useSession, useUi } from '../app-context';
import type { QueryResult } from '../session/backends';

const MAX_ROWS_SHOWN = 500;

export function SqlConsole() {
  const { controller } = useApp();
  const kind = useSession((s) => s.kind);
  const example = kind === 'replay' ? (controller.openedDay?.exampleQuery ?? '') : '';
  const tables = kind === 'replay' ? (controller.openedDay?.tablesHelp ?? '') : '';
  const history = useUi((s) => s.historyLoad);
  const loading = kind === 'replay' && history !== null && !history.done && !history.error;
  const [sql, setSql] = useState(example);
  const [result, setResult] = useState<{ data: QueryResult; ms: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);

  useEffect(() => {
    if (example && !sql) setSql(example);
  }, [example, sql]);

  const run = async () => {
    setRunning(true);
    setError(null);
    const t0 = performance.now();
    try {
      const data = await controller.query(sql);
      setResult({ data, ms: performance.now() - t0 });
    } catch (e) {
      setResult(null);
      setError((e as Error).message);
    } finally {
      setRunning(false);
    }
  };

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
        <div style={{ display: 'flex', flexDirection: 'column', gap: 4 }}>
          <button className="primary" data-testid="sql-run" disabled={running || kind !== 'replay' || !sql.trim()} onClick={() => void run()}>
            {running ? (loading ? 'Loading day…' : 'Running…') : 'Run ⌃⏎'}
          </button>
          <span className="dim" style={{ fontSize: 10.5 }}>
            {result ? `${result.data.rows.length} rows · ${result.ms.toFixed(0)} ms` : loading ? `day ${Math.round(history!.fraction * 100)}% loaded` : 'whole day'}
          </span>
        </div>
      </div>
      <div className="sql-help dim" data-testid="sql-help">
        {kind === 'replay' && tables ? (
          <>
            Whole day, one table per channel: {tables}. Full book levels and <code>l2_deltas</code> are not here: they stay in the replay’s row-group cache.
          </>
        ) : (
          'Open a recorded day to query it.'
        )}
      </div>
      <div className="sql-result" data-testid="sql-result">
        {error && <div className="alert bad" role="alert">{error}</div>}
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
              {result.data.rows.slice(0, MAX_ROWS_SHOWN).map((row, i) => (
                <tr key={i}>
                  {row.map((v, j) => (
                    <td key={j} className={typeof v === 'number' || typeof v === 'bigint' ? 'num' : 'mono'}>
                      {renderCell(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {result && result.data.rows.length > MAX_ROWS_SHOWN && <div className="dim">showing {MAX_ROWS_SHOWN} of {result.data.rows.length} rows</div>}
      </div>
    </section>
  );
}

function renderCell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}
