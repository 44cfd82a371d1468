/**
 * api: requests per second of an authenticated GET /runs/:id under many connections (autocannon),
 * against a bare fastify route answering the same JSON.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { atLeastRatio, informational, type Benchmark } from './harness.js';
import { startAgentd } from './support/agentd.js';
import { startChildServer } from './support/child-server.js';
import { jsonClient } from './support/http.js';
import { scratchDir } from './support/repo.js';
import { percentile } from './support/stats.js';
import { cpuSeconds } from './support/cpu.js';

const TOKEN = 'bench-token-0123456789abcdef';

interface Load {
  rps: number;
  /** CPU the server spent per answered request (µs), or null where /proc cannot tell. */
  cpuUs: number | null;
  /** Microseconds: autocannon's own histogram holds whole milliseconds, where a fast route reads 0. */
  p99Us: number;
}

async function load(url: string, pid: number, connections: number, duration: number, headers: Record<string, string>): Promise<Load> {
  const cpuBefore = cpuSeconds(pid);
  // Each response's time comes from hrtime in fractional milliseconds; keep it at that resolution.
  const latenciesMs: number[] = [];
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ url, connections, duration, headers }, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client, _status, _bytes, responseTimeMs) => latenciesMs.push(responseTimeMs));
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  if (latenciesMs.length === 0) throw new Error(`${url}: no responses measured`);
  const cpuAfter = cpuSeconds(pid);
  const cpuUs = cpuBefore === null || cpuAfter === null ? null : ((cpuAfter - cpuBefore) * 1e6) / result.requests.total;
  return { rps: result.requests.average, cpuUs, p99Us: percentile(latenciesMs, 99) * 1000 };
}

export const benchmark: Benchmark = {
  name: 'api',
  description: 'req/s of GET /runs/:id with a bearer token (autocannon), vs a bare fastify route',
  sizes: {
    connections: { default: 50, quick: 5, description: 'concurrent connections' },
    duration: { default: 10, quick: 1, description: 'seconds of load per server' },
  },
  async run({ sizes, quick, log }) {
    const dir = scratchDir('api');
    const headers = { authorization: `Bearer ${TOKEN}` };
    let project: Load;
    let body: string;
    // Request logs go to a pipe the bench reads: info level is what a user runs, so it is kept.
    const daemon = await startAgentd(['--db', join(dir.path, 'agentd.db'), '--auth-token', TOKEN, '--default-provider', 'command', '--command-bin', 'true']);
    const api = jsonClient(daemon.url, TOKEN);
    try {
      const { session } = await api.post('/sessions', { title: 'api' });
      const { run } = await api.post(`/sessions/${session.id}/messages`, { role: 'user', text: 'hello' });
      await api.get(`/runs/${run.id}/wait?timeout_s=30`);
      body = JSON.stringify(await api.get(`/runs/${run.id}`));
      const url = `${daemon.url}/runs/${run.id}`;
      const pid = daemon.child.pid!;
      if (!quick) await load(url, pid, sizes.connections!, 1, headers);
      project = await load(url, pid, sizes.connections!, sizes.duration!, headers);
    } finally {
      api.close();
      await daemon.stop();
    }

    const bodyFile = join(dir.path, 'run.json');
    writeFileSync(bodyFile, body);
    const raw = await startChildServer('raw-fastify', [bodyFile]);
    let rawLoad: Load;
    try {
      const url = `${raw.url}/runs/same`;
      if (!quick) await load(url, raw.pid, sizes.connections!, 1, headers);
      rawLoad = await load(url, raw.pid, sizes.connections!, sizes.duration!, headers);
    } finally {
      await raw.stop();
      dir.remove();
    }
    log(`agentd ${project.rps.toFixed(0)} req/s (p99 ${project.p99Us.toFixed(0)} µs), bare fastify ${rawLoad.rps.toFixed(0)} req/s (p99 ${rawLoad.p99Us.toFixed(0)} µs)`);
    const rows = [
      atLeastRatio(`GET /runs/:id, ${sizes.connections} connections`, 'req/s', project.rps, rawLoad.rps, 0.6),
      informational('GET /runs/:id p99 latency', 'µs', project.p99Us, rawLoad.p99Us),
    ];
    // The server's own CPU per request: what the throughput ratio is once the machine is not shared.
    if (project.cpuUs !== null && rawLoad.cpuUs !== null) rows.push(informational('server CPU per request', 'µs', project.cpuUs, rawLoad.cpuUs));
    return rows;
  },
};
