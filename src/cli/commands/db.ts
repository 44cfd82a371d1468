import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command } from 'commander';
import { contextOf } from '../context.js';
import { emit } from '../output.js';
import { download } from '../../client/download.js';
import { withExamples } from '../help.js';

export function dbCommand(): Command {
  const db = withExamples(new Command('db').description("the daemon's database"), 'agentctl db backup backups/agentd-$(date +%F).db');
  const backup = db.command('backup');
  withExamples(backup, 'agentctl db backup backups/agentd-$(date +%F).db', 'agentctl --format json db backup --force /srv/backups/agentd.db');
  backup
    .description('an online, consistent copy of the database written to FILE, while agentd runs')
    .argument('<file>', 'where to write the copy (refused if it exists, unless --force)')
    .option('--force', 'replace FILE if it exists')
    .action(async (file: string, opts: { force?: boolean }, cmd: Command) => {
      const { client, out } = contextOf(cmd);
      const destination = resolve(file);
      if (existsSync(destination) && !opts.force) cmd.error(`error: ${destination} exists (--force to replace it)`);
      const got = await download(client, 'daemon/backup', destination);
      const lastEvent = got.headers['x-backup-last-event'];
      emit(
        { file: destination, bytes: got.bytes, sha256: got.sha256, last_event_id: typeof lastEvent === 'string' && lastEvent !== '' ? lastEvent : null },
        out,
        (r: { file: string; bytes: number; sha256: string; last_event_id: string | null }) =>
          `backup written to ${r.file}\n${r.bytes} bytes, sha256 ${r.sha256}, events up to ${r.last_event_id ?? '(none)'}`,
      );
    });
  return db;
}
