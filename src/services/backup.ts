import { randomBytes, createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import type { Store } from '../store/store.js';

export interface BackupSnapshot {
  path: string;
  bytes: number;
  sha256: string;
  lastEventId: string | null;
  /** Deletes the snapshot file; call once it has been sent. */
  remove(): Promise<void>;
}

/**
 * Online backups for clients: the daemon writes a consistent snapshot beside its database (same
 * disk, the daemon's own permissions), the client downloads it and checks the digest, and the
 * snapshot is deleted. Clients never need access to the daemon's files.
 */
export class BackupService {
  constructor(private readonly store: Store) {}

  async snapshot(): Promise<BackupSnapshot> {
    const path = `${this.store.path}.backup-${randomBytes(6).toString('hex')}.tmp`;
    const remove = () => rm(path, { force: true });
    try {
      const { lastEventId } = await this.store.backup(path);
      const bytes = (await stat(path)).size;
      const hash = createHash('sha256');
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
      return { path, bytes, sha256: hash.digest('hex'), lastEventId, remove };
    } catch (err) {
      await remove();
      throw err;
    }
  }
}
