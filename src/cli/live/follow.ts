import type { AgentdClient } from '../../client/http-client.js';
import type { Run } from '../../protocol/schemas.js';
import type { OutputOptions } from '../output.js';
import { formatElapsed, type Terminal } from '../terminal.js';
import { followRun } from './follow-run.js';
import { RunRenderer, oneLine } from './render.js';

/**
 * `--follow`: prints a run as it happens and returns the exit code its outcome calls for (0
 * completed, 1 failed or cancelled, 130 when the user stopped watching with Ctrl-C; the run itself
 * goes on then). Human output is the run's transcript on stdout and the outcome on stderr; with
 * `--format json`, every event of the run is one JSON line on stdout.
 */
export async function followToEnd(client: AgentdClient, run: Run, out: OutputOptions, term: Terminal): Promise<number> {
  const renderer = new RunRenderer(term.paint);
  const json = out.format === 'json';
  const interrupt = new AbortController();
  const onSignal = () => interrupt.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let ended: Run | null;
  try {
    ended = await followRun({
      client,
      sessionId: run.session_id,
      runId: run.id,
      signal: interrupt.signal,
      onEvent: (event) => term.out.write(json ? `${JSON.stringify(event)}\n` : renderer.render(event)),
      onReconnect: (delay) => {
        // The notice goes on a line of its own, also when streamed text left one open.
        if (!json) term.out.write(renderer.finish());
        term.err.write(`agentctl: stream lost; reconnecting in ${delay} ms\n`);
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!json) term.out.write(renderer.finish());
  if (!ended) {
    term.err.write(`agentctl: stopped following; run ${run.id} goes on (agentctl run wait --run-id ${run.id})\n`);
    return 130;
  }
  if (!json) term.err.write(`${outcome(ended, term)}\n`);
  return ended.state === 'completed' ? 0 : 1;
}

function outcome(run: Run, term: Terminal): string {
  const { paint } = term;
  const ms = run.started_at && run.ended_at ? Date.parse(run.ended_at) - Date.parse(run.started_at) : null;
  const took = ms === null ? '' : ` in ${ms < 60_000 ? `${(ms / 1000).toFixed(1)}s` : formatElapsed(ms)}`;
  if (run.state === 'completed') return paint.green(`run ${run.id} completed${took}`);
  return paint.red(`run ${run.id} ${run.state}${took}${run.error ? `: ${oneLine(run.error, 400)}` : ''}`);
}
