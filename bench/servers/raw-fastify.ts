/**
 * The api benchmark's raw reference: a bare fastify app with one route answering the JSON in the
 * file named by argv[2], as agentd answers GET /runs/:id. Prints {"port": n} once listening.
 */
import { readFileSync } from 'node:fs';
import Fastify from 'fastify';

const body = readFileSync(process.argv[2]!, 'utf8');
const app = Fastify({ logger: false });
app.get('/runs/:id', async (_request, reply) => reply.type('application/json').send(body));
const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(JSON.stringify({ port: Number(new URL(address).port) }) + '\n');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
