import { createReadStream } from 'node:fs';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { AppError } from '../../domain/errors.js';
import type { GatewayDeps } from '../deps.js';

export const backupRoutes: FastifyPluginAsyncTypebox<{ deps: GatewayDeps }> = async (app, { deps }) => {
  app.get(
    '/daemon/backup',
    {
      schema: {
        operationId: 'getDatabaseBackup',
        summary: 'A consistent copy of the database, taken online (SQLite backup API); check it against x-backup-sha256',
        problems: ['forbidden', 'unavailable'],
        response: {
          200: Type.Unsafe<unknown>({
            description: 'A SQLite database file; x-backup-sha256 is its digest, x-backup-last-event the newest event in it',
            content: { 'application/vnd.sqlite3': { schema: { type: 'string', format: 'binary' } } },
          }),
        },
      },
    },
    async (request, reply) => {
      deps.sessions.access.requireOperator(request.principal, 'download a backup of the whole database');
      let snapshot;
      try {
        snapshot = await deps.backup.snapshot();
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOSPC' || code === 'EACCES' || code === 'EROFS') {
          throw new AppError('unavailable', `cannot write the backup beside the database (${code})`);
        }
        throw err;
      }
      const file = createReadStream(snapshot.path, { highWaterMark: 1 << 20 });
      // The snapshot exists only to be sent: gone once the response ends, however it ends.
      file.once('close', () => void snapshot.remove());
      return reply
        .header('content-type', 'application/vnd.sqlite3')
        .header('content-length', snapshot.bytes)
        .header('content-disposition', 'attachment; filename="agentd-backup.db"')
        .header('x-backup-sha256', snapshot.sha256)
        .header('x-backup-last-event', snapshot.lastEventId ?? '')
        .send(file);
    },
  );
};
