/**
 * The Content-Security-Policy header of every `app://helios` response. Everything is local: no
 * remote origin appears anywhere. The only relaxations, each needed by a named dependency:
 * - `'wasm-unsafe-eval'` (script-src): compiling WebAssembly (DuckDB-WASM, parquet-wasm); it does
 *   not allow eval() or new Function().
 * - `blob:` (worker-src): DuckDB-WASM starts its worker from a blob URL wrapping the local worker
 *   script.
 * - `'unsafe-inline'` (style-src): React `style` props and lightweight-charts set inline styles;
 *   styles cannot run code.
 */
const DIRECTIVES: ReadonlyArray<readonly [string, string]> = [
  ['default-src', "'none'"],
  ['script-src', "'self' 'wasm-unsafe-eval'"],
  ['worker-src', "'self' blob:"],
  ['connect-src', "'self'"],
  ['style-src', "'self' 'unsafe-inline'"],
  ['img-src', "'self' data: blob:"],
  ['font-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-src', "'none'"],
  ['frame-ancestors', "'none'"],
];

export const CONTENT_SECURITY_POLICY = DIRECTIVES.map(([name, value]) => `${name} ${value}`).join('; ');

/** The policy as a directive → sources map (for tests and diagnostics). */
export function cspDirectives(policy = CONTENT_SECURITY_POLICY): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name!, sources]),
  );
}
