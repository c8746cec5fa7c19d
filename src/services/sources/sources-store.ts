/**
 * What LIVE records, remembered by a shell (the desktop app, `npm run web`) between runs:
 *
 *   <dir>/sources.json            the choice (simulator, or the real sources' config) — no secrets
 *   <dir>/<secrets file>          the keys the config names, through a `SecretCodec`: encrypted with
 *                                 the OS keychain in the desktop app (Electron safeStorage), plain
 *                                 text readable only by the user in browser mode (the dialog says so)
 *
 * Keys the store does not hold are read from the environment variables the config names, as
 * `record --config` does. Both files are written atomically (temp file + rename).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { describeZodError } from '../../shared/registry';
import { secretNames, sourcesConfigSchema, type LiveSourcesState, type SourcesChoice, type SourcesView, sourcesChoiceArgs } from '../../shared/sources-config';
import type { LiveSourcesChoice } from '../live-session';

export interface SecretCodec {
  /** False when secrets cannot be kept safely here (e.g. no OS keyring): the environment must hold them. */
  available(): boolean;
  encode(plain: string): Buffer;
  decode(stored: Buffer): string;
  /** File name of the secrets in the store's folder. */
  readonly file: string;
  /** Where the keys are kept, in words, given the file's path. */
  describe(path: string): string;
}

/** Browser mode: a file only the user can read; the dialog says it is plain text. */
export const plainFileCodec: SecretCodec = {
  available: () => true,
  encode: (plain) => Buffer.from(plain, 'utf8'),
  decode: (stored) => stored.toString('utf8'),
  file: 'sources-secrets.web.json',
  describe: (path) => `in plain text in ${path} (readable only by your user account)`,
};

const storedChoice = z.discriminatedUnion('kind', [z.object({ kind: z.literal('simulator') }), z.object({ kind: z.literal('real'), config: sourcesConfigSchema })]);
const storedSecrets = z.record(z.string(), z.string());

export class SourcesStore {
  private choice: SourcesChoice = { kind: 'simulator' };
  private secrets: Record<string, string> = {};

  constructor(
    private readonly dir: string,
    private readonly codec: SecretCodec,
    private readonly env: Record<string, string | undefined> = process.env,
  ) {}

  private get choiceFile(): string {
    return join(this.dir, 'sources.json');
  }

  private get secretsFile(): string {
    return join(this.dir, this.codec.file);
  }

  /** Read what was stored (nothing stored: the simulator). A file that does not validate is reported, not guessed. */
  async load(): Promise<void> {
    const text = await readFile(this.choiceFile, 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (text !== null) {
      const parsed = storedChoice.safeParse(safeJson(text));
      if (!parsed.success) throw new Error(`${this.choiceFile}: ${parsed.error ? describeZodError(parsed.error) : 'not JSON'}`);
      this.choice = parsed.data;
    }
    if (!this.codec.available()) return;
    const stored = await readFile(this.secretsFile).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
    if (stored !== null) {
      const parsed = storedSecrets.safeParse(safeJson(this.codec.decode(stored)));
      if (!parsed.success) throw new Error(`${this.secretsFile}: unreadable stored keys`);
      this.secrets = parsed.data;
    }
  }

  /** Store a choice from the Sources dialog (validated with API_ARGS by the shell); keys null = keep, '' = forget. */
  async save(args: z.output<typeof sourcesChoiceArgs>): Promise<void> {
    if (args.kind === 'real') {
      const given = Object.entries(args.secrets).filter(([, v]) => v !== null && v !== '');
      if (given.length > 0 && !this.codec.available()) {
        throw new Error('keys cannot be stored safely on this system (no OS keyring); set them as environment variables instead');
      }
      const secrets = { ...this.secrets };
      for (const [name, value] of Object.entries(args.secrets)) {
        if (value === '') delete secrets[name];
        else if (value !== null) secrets[name] = value;
      }
      this.secrets = secrets;
      this.choice = { kind: 'real', config: args.config };
    } else this.choice = { kind: 'simulator' };
    await mkdir(this.dir, { recursive: true });
    await atomicWrite(this.choiceFile, JSON.stringify(this.choice, null, 2) + '\n');
    if (this.codec.available()) await atomicWrite(this.secretsFile, this.codec.encode(JSON.stringify(this.secrets)));
  }

  /** What the live session should run: the choice with its keys (stored, else from the environment). */
  liveChoice(): LiveSourcesChoice {
    if (this.choice.kind === 'simulator') return { kind: 'simulator' };
    const secrets: Record<string, string> = {};
    for (const name of secretNames(this.choice.config)) {
      const value = this.secrets[name] ?? this.env[name];
      if (value) secrets[name] = value;
    }
    return { kind: 'real', config: this.choice.config, secrets };
  }

  view(live: LiveSourcesState | null): SourcesView {
    return {
      choice: this.choice,
      secrets_stored: Object.keys(this.secrets).sort(),
      secret_storage: this.codec.available()
        ? this.codec.describe(this.secretsFile)
        : 'nowhere: this system has no OS keyring for Electron safeStorage; keys come from the environment variables the config names',
      can_store_secrets: this.codec.available(),
      live,
    };
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

async function atomicWrite(path: string, data: string | Buffer): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, data, { mode: 0o600 });
  await rename(tmp, path);
}
