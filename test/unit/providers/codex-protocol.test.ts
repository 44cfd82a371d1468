import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/codex-protocol.mjs', import.meta.url));

it('the checked-in codex app-server protocol types are what the installed codex generates', async () => {
  // On a codex bump this fails until `node scripts/codex-protocol.mjs` regenerates them, and the
  // type check then shows what the driver must change.
  const { stdout } = await promisify(execFile)(process.execPath, [script, '--check']);
  expect(stdout).toMatch(/codex protocol types match \(\d+ files\)/);
});
