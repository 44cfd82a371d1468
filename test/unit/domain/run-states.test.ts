import { describe, expect, it } from 'vitest';
import { canTransition, RUN_STATES, type RunState } from '../../../src/domain/run-states.js';

const LEGAL: [RunState, RunState][] = [
  ['queued', 'running'],
  ['queued', 'cancelled'],
  ['running', 'completed'],
  ['running', 'failed'],
  ['running', 'cancelled'],
  ['running', 'interrupted'],
  ['interrupted', 'queued'],
  ['interrupted', 'failed'],
];

describe('run state machine', () => {
  for (const from of RUN_STATES) {
    for (const to of RUN_STATES) {
      const legal = LEGAL.some(([f, t]) => f === from && t === to);
      it(`${from} → ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        expect(canTransition(from, to)).toBe(legal);
      });
    }
  }
});
