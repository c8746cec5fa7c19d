/**
 * LIVE switching between the simulator and the real sources (the live session both shells run),
 * and the store that remembers the choice and its keys.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { safeStorageCodec } from '../../src/main/secret-codec';
import { startLiveSession } from '../../src/services/live-session';
import { plainFileCodec, SourcesStore } from '../../src/services/sources/sources-store';
import type { ChannelGroup } from '../../src/shared/channels';
import { GROUPS } from '../../src/shared/channels';
import { sourcesChoiceArgs, type LiveSourcesState } from '../../src/shared/sources-config';
import { stationDate } from '../../src/shared/time';
import { FakeVenue } from './fake-upstreams';
import { cleanupAfterEach, onCleanup, tempDir } from './helpers';

cleanupAfterEach();

describe('LIVE sources', () => {
  it('records the simulator, switches to the real sources and back; subscribers follow; a bad config leaves LIVE idle with the reason', async () => {
    const venue = await FakeVenue.start();
    onCleanup(() => venue.stop());
    venue.listEvent(stationDate(Date.now(), 'KLGA'));
    const root = tempDir();
    const session = await startLiveSession({ data_root: root, compact_every_ms: 3_600_000 }, () => {});
    onCleanup(() => session.stop());
    const states: LiveSourcesState[] = [];
    session.onSources((s) => states.push(s));
    const hellos: string[] = [];
    const snapshots = new Set<string>();
    session.feed.subscribe(GROUPS as ChannelGroup[], (m) => {
      if (m.type === 'hello') hellos.push(m.station_id);
      if (m.type === 'events') for (const e of m.events) if (e.ch === 'l2_snap_1s') snapshots.add(e.token_id);
    });
    expect(session.sources()).toMatchObject({ kind: 'simulator', error: null, statuses: [{ source: 'simulator', state: 'connected' }] });

    const config = { station: 'KLGA', polymarket: { gamma_url: venue.httpUrl, clob_url: venue.httpUrl, ws_url: venue.wsUrl, days_ahead: 0 }, metar: null, pws: null, ingest: null };
    await session.switchSources({ kind: 'real', config, secrets: {} });
    const venueTokens = [...venue.books.keys()].filter((t) => venue.noOf(t) !== null);
    await vi.waitFor(() => expect(session.sources().statuses.find((s) => s.source === 'clob')?.state).toBe('connected'), { timeout: 5000 });
    expect(session.sources()).toMatchObject({ kind: 'real', error: null });
    expect(session.sources().statuses.map((s) => s.source)).toEqual(['gamma', 'clob', 'metar', 'pws', 'ingest']);
    expect(session.sources().statuses.find((s) => s.source === 'pws')).toMatchObject({ state: 'not_configured', detail: 'pws: not configured' });
    await vi.waitFor(() => expect(venueTokens.some((t) => snapshots.has(t))).toBe(true), { timeout: 5000 });
    expect(hellos).toHaveLength(2); // the subscriber was moved over

    await session.switchSources({ kind: 'simulator' });
    expect(session.sources().kind).toBe('simulator');
    expect(venue.openSockets).toBe(0); // the real sources were stopped
    expect(hellos).toHaveLength(3);

    await expect(session.switchSources({ kind: 'real', config: { ...config, ingest: { token_env: 'HELIOS_NOT_SET' } }, secrets: {} })).rejects.toThrow(/HELIOS_NOT_SET is not set/);
    expect(session.sources()).toMatchObject({ kind: 'real', statuses: [], error: expect.stringMatching(/ingest\.token_env: environment variable HELIOS_NOT_SET is not set/) });
    expect(states.some((s) => s.kind === 'real' && s.statuses.some((x) => x.source === 'clob' && x.state === 'connected'))).toBe(true);
  });
});

describe('sources store', () => {
  /** As the shells hand it over: validated with API_ARGS (the dialog's raw choice parsed). */
  const real = (secrets: Record<string, string | null>) =>
    sourcesChoiceArgs.parse({ kind: 'real', config: { station: 'KLGA', polymarket: {}, metar: {}, pws: { provider: 'synoptic', token_env: 'SYN_TOKEN' }, ingest: null }, secrets });

  it('remembers the choice and keeps keys apart (null keeps, "" forgets), falling back to the environment', async () => {
    const dir = tempDir();
    const store = new SourcesStore(dir, plainFileCodec, { SYN_TOKEN: 'from-env' });
    await store.load();
    expect(store.liveChoice()).toEqual({ kind: 'simulator' });
    await store.save(real({ SYN_TOKEN: 's3cret' }));
    const again = new SourcesStore(dir, plainFileCodec, {});
    await again.load();
    expect(again.liveChoice()).toMatchObject({ kind: 'real', secrets: { SYN_TOKEN: 's3cret' } });
    expect(readFileSync(join(dir, 'sources.json'), 'utf8')).not.toContain('s3cret');
    expect(statSync(join(dir, plainFileCodec.file)).mode & 0o777).toBe(0o600);
    expect(again.view(null)).toMatchObject({ choice: { kind: 'real' }, secrets_stored: ['SYN_TOKEN'], can_store_secrets: true, secret_storage: expect.stringContaining(join(dir, 'sources-secrets.web.json')) });
    await again.save(real({ SYN_TOKEN: null }));
    expect(again.liveChoice()).toMatchObject({ secrets: { SYN_TOKEN: 's3cret' } });
    await again.save(real({ SYN_TOKEN: '' }));
    expect(again.view(null).secrets_stored).toEqual([]);
    const withEnv = new SourcesStore(dir, plainFileCodec, { SYN_TOKEN: 'from-env' });
    await withEnv.load();
    expect(withEnv.liveChoice()).toMatchObject({ secrets: { SYN_TOKEN: 'from-env' } });
  });

  it('the desktop app encrypts keys with safeStorage, and stores none on a basic_text keyring', async () => {
    const keychain = {
      isEncryptionAvailable: () => true,
      encryptString: (plain: string) => Buffer.from(Buffer.from(plain, 'utf8').map((b) => b ^ 0x5a)),
      decryptString: (stored: Buffer) => Buffer.from(stored.map((b) => b ^ 0x5a)).toString('utf8'),
      getSelectedStorageBackend: () => 'gnome_libsecret',
    };
    const dir = tempDir();
    const store = new SourcesStore(dir, safeStorageCodec(keychain, 'linux'));
    await store.save(real({ SYN_TOKEN: 's3cret' }));
    expect(readFileSync(join(dir, 'sources-secrets.bin')).toString('utf8')).not.toContain('s3cret');
    const again = new SourcesStore(dir, safeStorageCodec(keychain, 'linux'));
    await again.load();
    expect(again.liveChoice()).toMatchObject({ secrets: { SYN_TOKEN: 's3cret' } });
    expect(again.view(null).secret_storage).toMatch(/^encrypted with the OS keychain \(Electron safeStorage\) in /);

    const weak = new SourcesStore(tempDir(), safeStorageCodec({ ...keychain, getSelectedStorageBackend: () => 'basic_text' }, 'linux'));
    await expect(weak.save(real({ SYN_TOKEN: 's3cret' }))).rejects.toThrow(/no OS keyring/);
    expect(weak.view(null)).toMatchObject({ can_store_secrets: false, secret_storage: expect.stringMatching(/^nowhere/) });
  });
});
