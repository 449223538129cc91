/** Cost of one call from config.prices (USD per million tokens). Cached prompt tokens bill at the cached rate. */
import type { Config } from '../../config/schema.ts';
import type { Usage } from '../../core/ticket.ts';

export function costOf(
  model: string,
  usage: Omit<Usage, 'costUsd'>,
  prices: Config['prices'],
): number | undefined {
  const price = prices[model];
  if (!price) return undefined;
  const cached = Math.min(usage.cachedTokens, usage.promptTokens);
  const uncached = usage.promptTokens - cached;
  const cachedRate = price.cachedInput ?? price.input;
  return (uncached * price.input + cached * cachedRate + usage.completionTokens * price.output) / 1_000_000;
}
