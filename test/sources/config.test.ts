/** The sources config file: defaults, secrets from the environment, one readable line when wrong. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSourcesConfig, resolveSourcesConfig, SourcesConfigError } from '../../src/services/sources/config';
import { DEFAULT_URLS } from '../../src/shared/sources-config';

const repo = resolve(__dirname, '../..');

describe('sources config', () => {
  it('the fixed keys with URLs left out take the real services', () => {
    const c = resolveSourcesConfig({ station: 'KLGA', polymarket: { days_ahead: 1 }, metar: { poll_s: 60 }, pws: null, ingest: null }, {});
    expect(c.polymarket).toMatchObject({ gamma_url: DEFAULT_URLS.gamma, clob_url: DEFAULT_URLS.clob, ws_url: DEFAULT_URLS.ws, days_ahead: 1 });
    expect(c.polymarket!.event_slug).toBe('highest-temperature-in-nyc-on-{month}-{day}-{year}');
    expect(c.metar).toMatchObject({ url: DEFAULT_URLS.metar, poll_s: 60, fallback: null });
    expect(c.pws).toBeNull();
    expect(c.ingest).toBeNull();
  });

  it('the samples in config/ are valid (secrets from the environment)', async () => {
    const c = await loadSourcesConfig(join(repo, 'config/sources.example.json'), { HELIOS_INGEST_TOKEN: 't0ken' });
    expect(c.secrets).toEqual({ HELIOS_INGEST_TOKEN: 't0ken' });
    expect(c.metar!.fallback).toMatchObject({ network: 'NY_ASOS' });
    const pws = await loadSourcesConfig(join(repo, 'config/sources.pws.example.json'), { SYNOPTIC_TOKEN: 's' });
    expect(pws.pws).toMatchObject({ provider: 'synoptic', radius_mi: 10 });
  });

  it('says what is wrong in one line', async () => {
    const bad = (input: unknown, env: Record<string, string> = {}) => {
      try {
        resolveSourcesConfig(input, env);
      } catch (e) {
        expect(e).toBeInstanceOf(SourcesConfigError);
        expect((e as Error).message).not.toContain('\n');
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    const base = { station: 'KLGA', polymarket: null, metar: null, pws: null, ingest: null };
    expect(bad({ ...base, polymarket: { ws_url: 'http://x' } })).toBe('polymarket.ws_url: expected a ws(s) URL');
    expect(bad({ ...base, metar: { poll_s: 1 } })).toMatch(/^metar\.poll_s: /);
    expect(bad({ ...base, metar: { pol_s: 60 } })).toMatch(/^metar: .*pol_s/);
    expect(bad({ ...base, ingest: { token_env: 'HELIOS_TOKEN' } })).toBe('ingest.token_env: environment variable HELIOS_TOKEN is not set');
    expect(bad({ ...base, station: 'KXYZ' })).toMatch(/^station: unknown station "KXYZ"/);
    expect(bad({ ...base, station: 'KORD', polymarket: {} })).toMatch(/^polymarket\.event_slug: no known market for KORD/);
    const { ingest: _, ...missing } = base;
    expect(bad(missing)).toMatch(/^ingest: /);
    const dir = mkdtempSync(join(tmpdir(), 'helios-config-'));
    writeFileSync(join(dir, 'c.json'), '{"station": "KLGA",');
    await expect(loadSourcesConfig(join(dir, 'c.json'))).rejects.toThrow(/c\.json: not JSON/);
    await expect(loadSourcesConfig(join(dir, 'none.json'))).rejects.toThrow(/none\.json: no such file/);
  });
});
