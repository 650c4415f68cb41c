import type { LLMResponse, Usage } from '@dk/spec';
import type { ModelCallRecord } from './conversation-middleware.js';
import { computeCostUsd } from './price-table.js';
import type { PriceTable } from './price-table.js';

/** The usage of a response, or `undefined` when the provider did not report it. */
function knownUsage(response: Pick<LLMResponse, 'usage'>): Usage | undefined {
  const usage = response.usage as Usage | undefined;
  if (usage === undefined || usage === null) return undefined;
  if (typeof usage.totalTokens !== 'number' || !Number.isFinite(usage.totalTokens)) return undefined;
  return usage;
}

/** A {@link ModelCallRecord} for `response`, priced with `prices` (unknown usage is unpriced). */
export function modelCallRecord(
  prices: PriceTable,
  purpose: string,
  provider: string,
  response: Pick<LLMResponse, 'model' | 'usage'>,
  latencyMs?: number,
  estimatedTokens?: number,
): ModelCallRecord {
  const usage = knownUsage(response);
  return {
    ...(usage === undefined && estimatedTokens !== undefined ? { estimatedTokens } : {}),
    purpose,
    provider,
    model: response.model,
    usage,
    costUsd: usage === undefined ? null : computeCostUsd(prices, response.model, usage),
    ...(latencyMs === undefined ? {} : { latencyMs: Math.round(latencyMs * 1000) / 1000 }),
  };
}

/** Totals over model calls: summed known usage and cost, and how many calls were unknown or unpriced. */
export interface CallTotals {
  readonly calls: number;
  readonly usage: Usage;
  readonly costUsd: number;
  readonly unpricedCalls: number;
  readonly unknownUsageCalls: number;
}

/** Sums `calls`. */
export function sumCalls(calls: readonly ModelCallRecord[]): CallTotals {
  let promptTokens = 0;
  let completionTokens = 0;
  let totalTokens = 0;
  let costUsd = 0;
  let unpricedCalls = 0;
  let unknownUsageCalls = 0;
  for (const call of calls) {
    if (call.usage === undefined) unknownUsageCalls += 1;
    else {
      promptTokens += call.usage.promptTokens;
      completionTokens += call.usage.completionTokens;
      totalTokens += call.usage.totalTokens;
    }
    if (call.costUsd === null) unpricedCalls += 1;
    else costUsd += call.costUsd;
  }
  return {
    calls: calls.length,
    usage: { promptTokens, completionTokens, totalTokens },
    costUsd,
    unpricedCalls,
    unknownUsageCalls,
  };
}

/** The JSON form of a call kept on a node (no `undefined` members). */
export function storedCall(call: ModelCallRecord): Record<string, unknown> {
  return {
    purpose: call.purpose,
    provider: call.provider,
    model: call.model,
    usage: call.usage ?? null,
    costUsd: call.costUsd,
    ...(call.latencyMs === undefined ? {} : { latencyMs: call.latencyMs }),
    ...(call.estimatedTokens === undefined ? {} : { estimatedTokens: call.estimatedTokens }),
    ...(call.nodeId === undefined ? {} : { nodeId: call.nodeId }),
  };
}
