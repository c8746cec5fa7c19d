import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const require = createRequire(join(root, 'package.json'));

/** electron-builder's own loader and schema validator, offline. */
async function builderConfig(): Promise<Record<string, any>> {
  const { getConfig } = require('app-builder-lib/out/util/config/config');
  return getConfig(root, null, null);
}

async function validate(config: Record<string, unknown>): Promise<void> {
  const { validateConfiguration } = require('app-builder-lib/out/util/config/config');
  const { DebugLogger } = require('builder-util');
  await validateConfiguration(config, new DebugLogger(false));
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's schema (and the check is real: a typo fails it)", async () => {
    const config = await builderConfig();
    await expect(validate(config)).resolves.toBeUndefined();
    await expect(validate({ ...config, linux: { ...config.linux, targets: ['deb'] } })).rejects.toThrow(/configuration/);
  });

  it('builds AppImage + deb, dmg and nsis with app id, product name and icons from resources/', async () => {
    const c = await builderConfig();
    expect(c.appId).toBe('org.helios.tape');
    expect(c.productName).toBe('HELIOS Tape');
    expect(c.linux.target).toEqual(['AppImage', 'deb']);
    expect(c.mac.target).toEqual(['dmg']);
    expect(c.win.target).toEqual(['nsis']);
    expect(c.linux.icon).toBe('resources/icon.png');
    expect(c.mac.icon).toBe('resources/icon.icns');
    expect(c.win.icon).toBe('resources/icon.ico');
    expect(c.linux.maintainer).toBeTruthy(); // deb needs one
  });

  it('packs only the build output and unpacks native modules and wasm from the asar', async () => {
    const c = await builderConfig();
    const files: string[] = c.files.flatMap((f: string | { filter: string[] }) => (typeof f === 'string' ? [f] : f.filter));
    expect(files).toEqual(expect.arrayContaining(['out/main/**', 'out/preload/**', 'out/renderer/**']));
    expect(files).not.toContain('out/**'); // test pages other tools build into out/ stay out
    expect(files.some((f) => f.startsWith('src'))).toBe(false);
    // renderer-only packages are bundled into out/renderer by vite; shipping node_modules copies
    // (DuckDB-WASM alone is ~100 MB of wasm variants) would only bloat the installers
    expect(files).toContain('!**/node_modules/@duckdb/duckdb-wasm/**');
    expect(files).toContain('!**/node_modules/parquet-wasm/**');
    expect(c.asarUnpack).toEqual(expect.arrayContaining(['**/node_modules/@duckdb/node-bindings*/**', '**/*.node', '**/*.wasm']));
  });

  it('ships icons in the formats each platform expects', () => {
    const png = readFileSync(join(root, 'resources/icon.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.readUInt32BE(16)).toBe(1024); // width ≥ 512 for every Linux target and the dmg
    const icns = readFileSync(join(root, 'resources/icon.icns'));
    expect(icns.subarray(0, 4).toString()).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
    const ico = readFileSync(join(root, 'resources/icon.ico'));
    expect(ico.readUInt16LE(2)).toBe(1);
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + i * 16] || 256);
    expect(sizes).toContain(256); // nsis needs a 256 px entry
  });
});
