import { existsSync, readFileSync, watch } from 'node:fs';
import { dirname } from 'node:path';

/** Resolves with the file's content once it exists — watched, not polled. */
export function waitForFile(path: string): Promise<string> {
  return new Promise((resolve) => {
    const watcher = watch(dirname(path), () => check());
    const check = () => {
      if (!existsSync(path)) return;
      watcher.close();
      resolve(readFileSync(path, 'utf8'));
    };
    check();
  });
}
