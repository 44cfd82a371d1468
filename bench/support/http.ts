import http from 'node:http';

/** A small JSON client for driving agentd from the benchmark process. */
export interface JsonClient {
  get<T = any>(path: string): Promise<T>;
  post<T = any>(path: string, body: unknown): Promise<T>;
  /** Ends the kept-alive connections. */
  close(): void;
}

/**
 * Keep-alive node:http rather than fetch: undici's fetch adds about a millisecond per request,
 * which the latency benchmarks would charge to agentd.
 */
export function jsonClient(baseUrl: string, token?: string): JsonClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const call = <T>(method: string, path: string, body?: unknown): Promise<T> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string | number> = {};
      // agentd refuses a POST without a JSON Content-Type (no simple cross-site requests), also bodyless.
      if (method === 'POST') headers['content-type'] = 'application/json';
      if (payload !== undefined) headers['content-length'] = Buffer.byteLength(payload);
      if (token) headers.authorization = `Bearer ${token}`;
      const req = http.request(baseUrl + path, { method, headers, agent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400) reject(new Error(`${method} ${path} → ${res.statusCode}: ${text}`));
          else resolve((text ? JSON.parse(text) : null) as T);
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(payload);
    });
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body),
    close: () => agent.destroy(),
  };
}

/** Runs `task` over `items` with at most `limit` in flight. */
export async function inParallel<T, R>(items: readonly T[], limit: number, task: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
