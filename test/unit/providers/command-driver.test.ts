import { describe, expect, it } from 'vitest';
import { approvalRequest, CommandConversationDriver } from '../../../src/providers/command/conversation-driver.js';
import type { ApprovalAsk, ApprovalDecision, TurnIO } from '../../../src/providers/conversation.js';

function fakeIo(answer: (ask: ApprovalAsk) => ApprovalDecision) {
  const sent: string[] = [];
  const asks: ApprovalAsk[] = [];
  const io: TurnIO = {
    send: (line) => sent.push(line),
    write: (text) => sent.push(`raw:${text}`),
    endInput: () => sent.push('EOF'),
    askApproval: async (ask) => {
      asks.push(ask);
      return answer(ask);
    },
  };
  return { io, sent, asks };
}

describe('command provider, jsonl protocol', () => {
  it('reads approval_request lines as asks; every other line, JSON or not, is text', () => {
    expect(approvalRequest('{"type":"approval_request","id":7,"action":"command","command":"ls","decisions":["approve"]}')).toEqual({
      key: '7', action: 'command', command: 'ls', cwd: null, tool: null, reason: null, decisions: ['approve', 'deny'],
    });
    expect(approvalRequest('{"type":"approval_request","id":"x","action":"launch"}')).toBeUndefined();
    expect(approvalRequest('{"type":"approval_request","action":"command"}')).toBeUndefined();
    expect(approvalRequest('{"type":"note"}')).toBeUndefined();
    expect(approvalRequest('approval_request')).toBeUndefined();
  });

  it('sends the prompt as a JSON line, answers each ask by its id, and interrupts with a line and EOF', async () => {
    const { io, sent, asks } = fakeIo(() => ({ decision: 'deny', message: 'no' }));
    const driver = new CommandConversationDriver('do "it"\nnow');
    driver.start(io);
    expect(sent).toEqual(['{"type":"prompt","text":"do \\"it\\"\\nnow"}']);
    expect(driver.onLine('{"type":"approval_request","id":"a1","action":"tool","tool":"Write","input":{"p":1}}')).toEqual({});
    await new Promise((resolve) => setImmediate(resolve));
    expect(asks[0]).toMatchObject({ key: 'a1', action: 'tool', tool: 'Write', input: { p: 1 } });
    expect(sent[1]).toBe('{"type":"approval","id":"a1","decision":"deny","message":"no"}');
    expect(driver.onLine('working').events).toHaveLength(1);
    expect(driver.interrupt()).toBe(true);
    expect(sent.slice(2)).toEqual(['{"type":"interrupt"}', 'EOF']);
    expect(driver.finish({ code: 0, signal: null, stderrTail: '' })).toMatchObject({ status: 'completed', finalText: 'working' });
  });
});
