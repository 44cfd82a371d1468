import { fileURLToPath } from 'node:url';

/** argv of the scripted agent, for the `command` provider (see fixtures/scripted-agent.mjs). */
export const SCRIPTED_AGENT_ARGV = [process.execPath, fileURLToPath(new URL('./fixtures/scripted-agent.mjs', import.meta.url))];

/** Options for startTestDaemon that make `command` the scripted agent and the default provider. */
export const scriptedAgentOptions = {
  commandBin: SCRIPTED_AGENT_ARGV[0],
  commandArg: SCRIPTED_AGENT_ARGV.slice(1),
  defaultProvider: 'command',
};
