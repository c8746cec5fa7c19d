/**
 * A disk for the journal writer that fails on demand, deterministically: read-only or not
 * writable (mkdir and create fail with EROFS / EACCES), or full — `free` bytes left, a write gets
 * what fits (a short write, as write(2) gives) and then ENOSPC — and that can free up again.
 * Everything it accepts goes to the real files underneath.
 */
import { nodeJournalFs, type JournalFile, type JournalFs } from '../../src/services/recorder/journal-writer';

const MESSAGES: Record<string, string> = { EROFS: 'read-only file system', EACCES: 'permission denied', ENOSPC: 'no space left on device' };

export function errnoError(code: keyof typeof MESSAGES, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${MESSAGES[code]}, ${syscall} '${path}'`), { code, syscall, path });
}

export class FaultyDisk implements JournalFs {
  /** 'EROFS' / 'EACCES': no folder or file can be created. */
  refuse: 'EROFS' | 'EACCES' | null = null;
  /** Bytes the disk still takes. */
  free = Infinity;
  /** Write calls that failed with ENOSPC, and short writes. */
  enospc = 0;
  shortWrites = 0;

  async mkdir(dir: string): Promise<void> {
    if (this.refuse) throw errnoError(this.refuse, 'mkdir', dir);
    await nodeJournalFs.mkdir(dir);
  }

  async create(path: string): Promise<JournalFile> {
    if (this.refuse) throw errnoError(this.refuse, 'open', path);
    const file = await nodeJournalFs.create(path);
    return {
      writev: async (buffers) => {
        const total = buffers.reduce((n, b) => n + b.length, 0);
        if (this.free >= total) {
          this.free -= total;
          return file.writev(buffers);
        }
        if (this.free <= 0) {
          this.enospc++;
          throw errnoError('ENOSPC', 'write', path);
        }
        const fits: Buffer[] = [];
        let room = this.free;
        for (const b of buffers) {
          if (room <= 0) break;
          fits.push(b.subarray(0, room));
          room -= Math.min(room, b.length);
        }
        const { bytesWritten } = await file.writev(fits);
        this.free -= bytesWritten;
        this.shortWrites++;
        return { bytesWritten };
      },
      datasync: () => file.datasync(),
      close: () => file.close(),
    };
  }
}
