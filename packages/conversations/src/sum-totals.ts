import type { ConversationNode } from '@dk/spec';
import type { ConversationTotals } from './conversation-state.js';

interface Tally {
  calls: number;
  unpricedCalls: number;
  unknownUsageCalls: number;
  costUsd: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

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

/** Adds one recorded call (`{ usage, costUsd }`, usage `null` when unknown). */
function addCall(tally: Tally, record: Readonly<Record<string, unknown>>): void {
  tally.calls += 1;
  const usage = readUsage(record['usage']);
  if (usage === undefined) tally.unknownUsageCalls += 1;
  else {
    tally.promptTokens += usage.promptTokens;
    tally.completionTokens += usage.completionTokens;
    tally.totalTokens += usage.totalTokens;
  }
  const cost = record['costUsd'];
  if (typeof cost === 'number') tally.costUsd += cost;
  else tally.unpricedCalls += 1;
}

function addCalls(tally: Tally, value: unknown): void {
  if (!Array.isArray(value)) return;
  for (const call of value as unknown[]) {
    // A call listed with the node that stores it (an automatic summary) is counted on that node.
    if (typeof call !== 'object' || call === null || 'nodeId' in call) continue;
    addCall(tally, call as Record<string, unknown>);
  }
}

/** True for a node a model produced: it records usage (possibly `null`: unknown) or is an interrupted answer. */
function isModelNode(metadata: Readonly<Record<string, unknown>>): boolean {
  return 'usage' in metadata || metadata['interrupted'] === true;
}

/**
 * Sums the model calls recorded on nodes: each answer's own call (`usage`, `costUsd`),
 * the other calls of its turn (`modelCalls`: judges, …), its discarded attempts, and
 * summaries and interrupted answers. Usage recorded as `null` is unknown: counted in
 * `unknownUsageCalls` and `unpricedCalls`, never as zero. Copies made by compaction
 * (`metadata.copiedFrom`) are skipped so nothing is counted twice.
 */
export function sumTotals(nodes: readonly ConversationNode[]): ConversationTotals {
  const tally: Tally = {
    calls: 0,
    unpricedCalls: 0,
    unknownUsageCalls: 0,
    costUsd: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
  };
  for (const node of nodes) {
    const metadata = node.metadata;
    if (metadata['copiedFrom'] !== undefined) continue;
    if (isModelNode(metadata)) addCall(tally, metadata);
    addCalls(tally, metadata['modelCalls']);
    const discarded = metadata['discardedAttempts'];
    if (!Array.isArray(discarded)) continue;
    for (const attempt of discarded as readonly Record<string, unknown>[]) {
      if ('usage' in attempt) addCall(tally, attempt);
      addCalls(tally, attempt['modelCalls']);
    }
  }
  return {
    calls: tally.calls,
    usage: {
      promptTokens: tally.promptTokens,
      completionTokens: tally.completionTokens,
      totalTokens: tally.totalTokens,
    },
    costUsd: tally.costUsd,
    unpricedCalls: tally.unpricedCalls,
    unknownUsageCalls: tally.unknownUsageCalls,
  };
}
