/**
 * cli: wall time of one cold `agentctl daemon status` against a running agentd, against the
 * floor every Node CLI pays — starting Node itself (`node -e 0`).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { atMostRatio, informational, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { AGENTCTL_BIN, scratchDir } from './support/repo.js';
import { median, nowMs, percentile } from './support/stats.js';

/** Runs argv to exit; resolves with milliseconds from spawn to exit. Fails on a non-zero exit. */
function timeProcess(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = nowMs();
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve(nowMs() - start) : reject(new Error(`${argv.join(' ')} exited ${code}: ${stderr}`))));
  });
}

export const benchmark: Benchmark = {
  name: 'cli',
  description: 'cold `agentctl daemon status` wall time vs `node -e 0`',
  sizes: {
    repeats: { default: 30, quick: 2, description: 'runs of each command (alternating)' },
  },
  async run({ sizes, log }) {
    const dir = scratchDir('cli');
    const daemon = await startAgentd(['--db', join(dir.path, 'agentd.db')]);
    try {
      const env = { PATH: process.env.PATH, HOME: dir.path, AGENTCTL_URL: daemon.url };
      const project: number[] = [];
      const raw: number[] = [];
      // Alternate, so drift on a noisy machine hits both the same.
      for (let i = 0; i < sizes.repeats!; i++) {
        project.push(await timeProcess([process.execPath, AGENTCTL_BIN, 'daemon', 'status'], env));
        raw.push(await timeProcess([process.execPath, '-e', '0'], env));
      }
      log(`agentctl daemon status median ${median(project).toFixed(1)} ms, node -e 0 median ${median(raw).toFixed(1)} ms`);
      return [
        atMostRatio('daemon status, median', 'ms', median(project), median(raw), 2),
        informational('daemon status, p90', 'ms', percentile(project, 90), percentile(raw, 90)),
      ];
    } finally {
      await daemon.stop();
      dir.remove();
    }
  },
};
