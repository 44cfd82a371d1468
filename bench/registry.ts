import type { Benchmark } from './harness.js';
import { benchmark as api } from './api.js';
import { benchmark as approval } from './approval.js';
import { benchmark as catchup } from './catchup.js';
import { benchmark as cli } from './cli.js';
import { benchmark as codexTurn } from './codex-turn.js';
import { benchmark as dispatch } from './dispatch.js';
import { benchmark as fanout } from './fanout.js';
import { benchmark as ingest } from './ingest.js';
import { benchmark as memory } from './memory.js';
import { benchmark as notifications } from './notifications.js';
import { benchmark as usage } from './usage.js';
import { benchmark as web } from './web.js';

/** Every benchmark `npm run bench` knows, in the order the table lists them. */
export const benchmarks: Benchmark[] = [ingest, fanout, api, dispatch, catchup, cli, memory, approval, codexTurn, notifications, usage, web];
