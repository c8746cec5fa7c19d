/** SQL literals for the DuckDB queries built here (native and WASM). */

/** A string literal: single quotes doubled. */
export const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** A quoted identifier: double quotes doubled. */
export const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;
