import { describe, expect, it } from 'vitest';
import { budgetSchema } from '../../src/config/schema.ts';
import { isCodedError } from '../../src/core/errors.ts';
import { BudgetTracker } from '../../src/loop/budget.ts';
import { costOf } from '../../src/loop/llm/cost.ts';
import { DEMO_REQUEST, startScriptedModels } from '../../src/loop/replay/demo.ts';

const budgets = (over = {}) => ({ ...budgetSchema.parse({}), ...over });
const thrown = (fn: () => void): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
};

describe('budgets', () => {
  it('stops on cost with budget_exceeded naming the setting', () => {
    const tracker = new BudgetTracker(budgets({ maxCostUsd: 0.01 }));
    tracker.record({ promptTokens: 1000, completionTokens: 100, cachedTokens: 0, costUsd: 0.004 }, 10);
    expect(() => tracker.check()).not.toThrow();
    tracker.record({ promptTokens: 1000, completionTokens: 100, cachedTokens: 0, costUsd: 0.007 }, 10);
    const error = thrown(() => tracker.check());
    expect(isCodedError(error, 'budget_exceeded')).toBe(true);
    expect((error as { hint: string }).hint).toContain('budgets.maxCostUsd');
    expect(tracker.modelMs).toBe(20);
  });

  it('prices cached prompt tokens at the cached rate', () => {
    const prices = { m: { input: 2, output: 8, cachedInput: 0.5 } };
    expect(
      costOf('m', { promptTokens: 1_000_000, completionTokens: 0, cachedTokens: 400_000 }, prices),
    ).toBeCloseTo(1.2 + 0.2);
    expect(
      costOf('unknown', { promptTokens: 1, completionTokens: 1, cachedTokens: 0 }, prices),
    ).toBeUndefined();
  });
});

describe('scripted models for the demo', () => {
  it('serve the shipped trajectory through the OpenAI adapter and refuse an off-script request', async () => {
    const models = await startScriptedModels();
    try {
      expect(models.coder.name).toBe('replay-coder');
      expect(models.reviewer.name).toBe('replay-reviewer');
      const error = await models.coder
        .complete({ tools: [], messages: [{ role: 'user', content: DEMO_REQUEST }] })
        .catch((e: unknown) => e);
      expect(isCodedError(error, 'model_error')).toBe(true);
      expect(models.server.mismatches[0]?.message).toContain('tool search is not offered');
    } finally {
      await models.close();
    }
  });
});
