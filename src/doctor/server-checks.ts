/**
 * The checks agentd runs on itself for `GET /daemon/doctor`: in its own environment (the PATH
 * and credentials its agents get), on its own database and listening address.
 */
import { isLoopback, type Config } from '../config.js';
import { PACKAGE_ROOT } from '../paths.js';
import type { Check } from './check.js';
import { checkDatabase } from './database.js';
import { checkClockSync, checkExposure } from './host.js';
import { checkProvider } from './providers.js';
import { testedVersions } from './versions.js';

export async function serverChecks(config: Config): Promise<Check[]> {
  const tested = testedVersions(PACKAGE_ROOT);
  const [codex, claude, clock] = await Promise.all([
    checkProvider({ name: 'codex', bin: config.codex.bin, env: config.agentEnv, tested: tested.codex, isDefault: config.defaultProvider === 'codex' }),
    checkProvider({ name: 'claude', bin: config.claude.bin, env: config.agentEnv, tested: tested.claude, isDefault: config.defaultProvider === 'claude' }),
    checkClockSync(config.agentEnv),
  ]);
  return [
    ...codex,
    ...claude,
    ...checkDatabase(config.dbPath),
    checkExposure(config.host, isLoopback(config.host), config.authTokens, config.ops.metricsToken),
    clock,
  ];
}
