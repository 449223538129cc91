/** Per-ticket budgets (config.budgets): model turns, tokens, cost and wall time, checked before each model call. */
import type { Budgets } from '../config/schema.ts';
import { CodedError, ErrorCode } from '../core/errors.ts';
import { addUsage, emptyUsage, type Usage } from '../core/ticket.ts';

export class BudgetTracker {
  readonly budgets: Budgets;
  readonly startedAt = Date.now();
  usage: Usage = emptyUsage();
  turns = 0;
  modelMs = 0;

  constructor(budgets: Budgets) {
    this.budgets = budgets;
  }

  record(usage: Usage, durationMs: number): void {
    this.turns++;
    this.usage = addUsage(this.usage, usage);
    this.modelMs += durationMs;
  }

  elapsedMs(): number {
    return Date.now() - this.startedAt;
  }

  /** Throws `budget_exceeded` naming the budget and its setting. */
  check(): void {
    const b = this.budgets;
    const over = (what: string, used: string, limit: string, key: string) =>
      new CodedError(ErrorCode.BudgetExceeded, `${what} budget exceeded: ${used} of ${limit}`, {
        hint: `raise budgets.${key} in loopwright.config.json, or split the request into smaller tickets`,
      });
    if (this.turns >= b.maxTurns) throw over('turn', String(this.turns), String(b.maxTurns), 'maxTurns');
    const tokens = this.usage.promptTokens + this.usage.completionTokens;
    if (tokens >= b.maxTokens) throw over('token', String(tokens), String(b.maxTokens), 'maxTokens');
    if ((this.usage.costUsd ?? 0) >= b.maxCostUsd)
      throw over('cost', `$${(this.usage.costUsd ?? 0).toFixed(4)}`, `$${b.maxCostUsd}`, 'maxCostUsd');
    if (this.elapsedMs() >= b.maxWallMs)
      throw over('wall-time', `${this.elapsedMs()} ms`, `${b.maxWallMs} ms`, 'maxWallMs');
  }
}
