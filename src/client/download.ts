/**
 * Downloads a file the daemon sends (a database backup) to `destination` without ever leaving a
 * half-written file there: bytes go to `<destination>.partial`, are checked against the digest
 * and length the daemon announced, flushed to disk, and only then renamed into place.
 */
import { createHash } from 'node:crypto';
import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { Problem } from '../protocol/schemas.js';
import { ApiError, UnreachableError, type AgentdClient } from './http-client.js';

export class DownloadError extends Error {
  readonly code = 'download_failed';
}

export interface Downloaded {
  bytes: number;
  sha256: string;
  headers: http.IncomingHttpHeaders;
}

export function download(client: AgentdClient, path: string, destination: string): Promise<Downloaded> {
  const url = new URL(path, client.baseUrl.endsWith('/') ? client.baseUrl : `${client.baseUrl}/`);
  const headers: Record<string, string> = {};
  if (client.token) headers.authorization = `Bearer ${client.token}`;
  const partial = `${destination}.partial`;
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<Downloaded>((resolve, reject) => {
    const fail = (err: Error) => {
      rmSync(partial, { force: true });
      reject(err);
    };
    const req = transport.get(url, { headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 400) {
        let text = '';
        res.setEncoding('utf8').on('data', (c: string) => (text += c));
        res.on('end', () => {
          let problem: Problem;
          try {
            problem = JSON.parse(text) as Problem;
          } catch {
            problem = { type: 'about:blank', title: 'HTTP error', status, code: `http_${status}`, detail: text.slice(0, 200) };
          }
          reject(new ApiError(status, problem));
        });
        return;
      }
      const hash = createHash('sha256');
      let bytes = 0;
      const out = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
      out.on('error', (err) => {
        res.destroy();
        // The partial file may be someone else's (wx refused it): remove only what we created.
        if ((err as NodeJS.ErrnoException).code === 'EEXIST') reject(new DownloadError(`${partial} exists: another download in progress, or a leftover to delete`));
        else fail(err);
      });
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        bytes += chunk.length;
      });
      res.on('aborted', () => fail(new DownloadError('the daemon closed the connection before the whole file arrived')));
      res.pipe(out);
      out.on('close', () => {
        if (!out.writableFinished) return; // an error, handled above
        const sha256 = hash.digest('hex');
        const expectedBytes = Number(res.headers['content-length']);
        const expectedSha = res.headers['x-backup-sha256'];
        if (Number.isFinite(expectedBytes) && bytes !== expectedBytes) return fail(new DownloadError(`received ${bytes} of ${expectedBytes} bytes`));
        if (typeof expectedSha === 'string' && expectedSha !== sha256) return fail(new DownloadError('the file received does not match the digest the daemon sent'));
        try {
          // On disk before it takes the final name: a crash leaves a .partial, never a torn backup.
          const fd = openSync(partial, 'r+');
          fsyncSync(fd);
          closeSync(fd);
          renameSync(partial, destination);
        } catch (err) {
          return fail(err as Error);
        }
        resolve({ bytes, sha256, headers: res.headers });
      });
    });
    req.on('error', (err: NodeJS.ErrnoException) => fail(new UnreachableError(`cannot reach agentd at ${client.baseUrl} (${err.code ?? err.message})`)));
  });
}
