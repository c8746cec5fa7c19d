/**
 * The desktop app keeps the sources' keys encrypted with the OS keychain through Electron's
 * safeStorage (Keychain on macOS, DPAPI on Windows, libsecret/kwallet on Linux). Where Linux has no
 * keyring, Electron falls back to a hard-coded password ("basic_text"): that is not safe, so keys are
 * then not stored at all and must come from the environment.
 */
import type { SecretCodec } from '../services/sources/sources-store';

export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  getSelectedStorageBackend?(): string;
}

export function safeStorageCodec(safeStorage: SafeStorageLike, platform: NodeJS.Platform = process.platform): SecretCodec {
  return {
    available: () =>
      safeStorage.isEncryptionAvailable() && !(platform === 'linux' && safeStorage.getSelectedStorageBackend?.() === 'basic_text'),
    encode: (plain) => safeStorage.encryptString(plain),
    decode: (stored) => safeStorage.decryptString(stored),
    file: 'sources-secrets.bin',
    describe: (path) => `encrypted with the OS keychain (Electron safeStorage) in ${path}`,
  };
}
