/**
 * agentd's logger: readable, coloured lines for a person at a terminal, JSON lines for machines
 * (a pipe, the journal), or JSON into a size-rotated file with `--log-file`. Everything is written
 * synchronously, so the last lines before a crash or an exit are not lost in a buffer.
 */
import pino, { type DestinationStream, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import rollingFile from 'pino-roll';

export type LogFormat = 'auto' | 'pretty' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['auto', 'pretty', 'json'];

export interface LogSettings {
  level: string;
  format: LogFormat;
  /** JSON lines into this file (rotated) instead of stdout. */
  file: string | null;
  /** A file is rotated when it reaches this size, megabytes. */
  rotateSizeMb: number;
  /** Rotated files kept besides the active one. */
  rotateKeep: number;
}

export interface DaemonLogger {
  logger: Logger;
  /** Where the lines go, for the startup line and `daemon status`. */
  destination: string;
  /** Flushes and closes a log file; stdout stays open. */
  close(): void;
}

/** What a terminal gets: time, level and message first, then the fields that say which run. */
export function prettyDestination(out: { write(chunk: string): unknown }, colorize: boolean): DestinationStream {
  const format = prettyFactory({
    colorize,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service',
    singleLine: true,
  });
  return { write: (line: string) => out.write(format(line)) };
}

export async function createLogger(
  settings: LogSettings,
  stdout: { write(chunk: string): unknown; isTTY?: boolean } = process.stdout,
): Promise<DaemonLogger> {
  const options = { level: settings.level, base: { service: 'agentd' } };
  if (settings.file) {
    const stream = await rollingFile({
      file: settings.file,
      size: `${settings.rotateSizeMb}m`,
      mkdir: true,
      symlink: true,
      sync: true,
      // Restarts must not pile files up beyond the limit: older files of earlier processes count too.
      // In that mode pino-roll's count includes the active file.
      limit: { count: settings.rotateKeep + 1, removeOtherLogFiles: true },
    });
    return {
      logger: pino(options, stream),
      destination: settings.file,
      close: () => {
        stream.flushSync();
        stream.end();
      },
    };
  }
  const pretty = settings.format === 'pretty' || (settings.format === 'auto' && stdout.isTTY === true);
  if (pretty) {
    return { logger: pino(options, prettyDestination(stdout, true)), destination: 'stdout (pretty)', close: () => {} };
  }
  const destination = stdout === process.stdout ? pino.destination({ fd: 1, sync: true }) : (stdout as DestinationStream);
  return { logger: pino(options, destination), destination: 'stdout (json)', close: () => {} };
}
