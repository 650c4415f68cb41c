import type { ConversationNode } from '@dk/spec';
import type { ConversationTotals } from './conversation-state.js';

function readUsage(
  value: unknown,
): { promptTokens: number; completionTokens: number; totalTokens: number } | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const usage = value as Record<string, unknown>;
  const promptTokens = usage['promptTokens'];
  const completionTokens = usage['completionTokens'];
  const totalTokens = usage['totalTokens'];
  if (typeof promptTokens !== 'number' || typeof completionTokens !== 'number' || typeof totalTokens !== 'number')
    return undefined;
  return { promptTokens, completionTokens, totalTokens };
}

/**
 * Sums `metadata.usage` and `metadata.costUsd` of model-produced nodes (assistant answers,
 * interrupted answers, summaries) plus their `discardedAttempts`. Copies made by
 * compaction (`metadata.copiedFrom`) are skipped so nothing is counted twice.
 */
export function sumTotals(nodes: readonly ConversationNode[]): ConversationTotals {
  let calls = 0;
  let unpricedCalls = 0;
  let costUsd = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  let totalTokens = 0;
  const add = (usageValue: unknown, costValue: unknown): void => {
    const usage = readUsage(usageValue);
    if (usage === undefined) return;
    calls += 1;
    promptTokens += usage.promptTokens;
    completionTokens += usage.completionTokens;
    totalTokens += usage.totalTokens;
    if (typeof costValue === 'number') costUsd += costValue;
    else unpricedCalls += 1;
  };
  for (const node of nodes) {
    const metadata = node.metadata;
    if (metadata['copiedFrom'] !== undefined) continue;
    add(metadata['usage'], metadata['costUsd']);
    const discarded = metadata['discardedAttempts'];
    if (Array.isArray(discarded)) {
      for (const attempt of discarded as readonly Record<string, unknown>[]) add(attempt['usage'], attempt['costUsd']);
    }
  }
  return { calls, usage: { promptTokens, completionTokens, totalTokens }, costUsd, unpricedCalls };
}
