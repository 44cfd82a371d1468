/** Shared types of the scripted model server (see ../model-server.ts). */

/** What the scripted "model" answers to one request. */
export type ScriptedReply =
  /** A final assistant message. */
  | { kind: 'text'; text: string }
  /** A shell command the agent should run through its own tool (codex `exec_command`, claude `Bash`). */
  | { kind: 'tool'; command: string }
  /**
   * A file written through the agent's edit tool: codex gets an `apply_patch` it turns into a file
   * change (a patch approval, not a command one); claude gets its `Write` tool (give an absolute path).
   */
  | { kind: 'write'; path: string; content: string }
  /**
   * A call of one of claude's own tools by name with its input (`Write`, `Edit`, `Read`, …), for
   * scripting the permission prompts of file changes. Anthropic side only: codex has no such tools,
   * so the OpenAI side answers it with a 400.
   */
  | { kind: 'tool_use'; name: string; input: Record<string, unknown> }
  /**
   * An HTTP error response. Use 400 to see `message` verbatim: codex reports it as is, and claude
   * as "API Error: 400 <message>" (after ~5 quick fallback re-sends, each answered by the responder
   * again). Other statuses also fail at once (the env helpers turn retries off) but the CLIs may
   * print their own text instead (e.g. codex: "exceeded retry limit, last status: 429 ...").
   */
  | { kind: 'error'; status: number; message: string }
  /**
   * Start the stream and never finish it: the request stays open until the client goes away or the
   * server closes. For testing cancellation of a run that is "thinking".
   */
  | { kind: 'hang' };

export type ModelApi = 'openai' | 'anthropic';

/** One model request (a POST to /v1/responses or /v1/messages), as seen by the responder. */
export interface ModelRequestLog {
  api: ModelApi;
  /** Request path including the query string, e.g. `/v1/messages?beta=true`. */
  path: string;
  /** Whether the client asked for a streamed (SSE) answer. */
  stream: boolean;
  /** The parsed JSON body. */
  body: any;
  /**
   * The most recent text the human wrote: the last user message's text, skipping harness-injected
   * parts such as `<environment_context>…</environment_context>` or `<system-reminder>…`. Empty if none.
   */
  userText: string;
  /** Set when the request answers a tool call: the tool's output, as text. */
  toolOutput?: string;
}

/** Any other request the server received (model listing, token counting, unknown paths, ...). */
export interface OtherRequestLog {
  method: string;
  path: string;
  body: string;
  status: number;
}

export type Responder = (req: ModelRequestLog) => ScriptedReply | Promise<ScriptedReply>;

/** Token usage reported for every scripted reply (constant, so tests can assert sums). */
export const SCRIPTED_USAGE = { input: 10, output: 5 } as const;
