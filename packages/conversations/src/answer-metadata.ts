import type { LLMResponse } from '@dk/spec';
import type { CompleteOptions, CompletionOverrides } from './conversation-manager-options.js';
import type { ModelCallRecord } from './conversation-middleware.js';
import { storedCall, sumCalls } from './turn-accounting.js';

/** An attempt of a turn that a middleware rejected and retried. */
export interface DiscardedAttempt {
  readonly attempt: number;
  readonly reason: string;
  /** The attempt's own answer call, when the model answered. */
  readonly answer: ModelCallRecord | undefined;
  /** Calls middleware recorded during the attempt (e.g. the judge that rejected it). */
  readonly calls: readonly ModelCallRecord[];
}

/** Completion settings recorded on the node; headers and vendor options may carry secrets. */
const recordedOverrideKeys = [
  'model',
  'temperature',
  'maxTokens',
  'topP',
  'stop',
  'seed',
  'responseFormat',
  'toolChoice',
  'timeoutMs',
  'maxRetries',
] as const;

function recordedOverrides(overrides: CompletionOverrides | undefined): Record<string, unknown> | undefined {
  if (overrides === undefined) return undefined;
  const recorded: Record<string, unknown> = {};
  for (const key of recordedOverrideKeys) if (overrides[key] !== undefined) recorded[key] = overrides[key];
  return Object.keys(recorded).length === 0 ? undefined : recorded;
}

/** The name (and code) of an error, for node metadata: never its message, which may quote content. */
export function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: typeof error };
}

function sameJson(left: unknown, right: unknown): boolean {
  if (left === right) return true;
  try {
    return JSON.stringify(left) === JSON.stringify(right);
  } catch {
    return false;
  }
}

/** The response metadata middleware added or changed (compared with the provider's raw response). */
function middlewareMetadata(raw: LLMResponse, final: LLMResponse): Record<string, unknown> {
  const added: Record<string, unknown> = {};
  const before = raw.metadata ?? {};
  for (const [key, value] of Object.entries(final.metadata ?? {})) {
    if (value === undefined) continue;
    if (!(key in before) || !sameJson(before[key], value)) added[key] = value;
  }
  return added;
}

/** Everything stored in the metadata of an answer node. */
export function answerMetadata({
  raw,
  response,
  provider,
  answer,
  latencyMs,
  attempt,
  discarded,
  annotations,
  extraCalls,
  options,
}: {
  readonly raw: LLMResponse;
  readonly response: LLMResponse;
  readonly provider: string;
  readonly answer: ModelCallRecord;
  readonly latencyMs: number;
  readonly attempt: number;
  readonly discarded: readonly DiscardedAttempt[];
  readonly annotations: Readonly<Record<string, unknown>>;
  readonly extraCalls: readonly ModelCallRecord[];
  readonly options: CompleteOptions;
}): Record<string, unknown> {
  const overrides = recordedOverrides(options.overrides);
  const requestId = response.metadata['requestId'];
  const allCalls = [
    ...discarded.flatMap((item) => (item.answer === undefined ? item.calls : [item.answer, ...item.calls])),
    answer,
    ...extraCalls,
  ];
  const metadata: Record<string, unknown> = {
    ...options.metadata,
    ...middlewareMetadata(raw, response),
    ...annotations,
    model: response.model,
    provider,
    finishReason: response.finishReason,
    usage: answer.usage ?? null,
    ...(answer.usage === undefined ? { usageUnknown: true } : {}),
    latencyMs: Math.round(latencyMs * 1000) / 1000,
    costUsd: answer.costUsd,
    ...(typeof requestId === 'string' ? { requestId } : {}),
    ...(overrides === undefined ? {} : { overrides }),
    ...(response.warnings.length === 0 ? {} : { warnings: response.warnings }),
    ...(extraCalls.length === 0 ? {} : { modelCalls: extraCalls.map(storedCall) }),
  };
  if (attempt > 1) {
    metadata['attempts'] = attempt;
    metadata['discardedAttempts'] = discarded.map((item) => ({
      attempt: item.attempt,
      reason: item.reason,
      ...(item.answer === undefined
        ? {}
        : { model: item.answer.model, usage: item.answer.usage ?? null, costUsd: item.answer.costUsd }),
      ...(item.calls.length === 0 ? {} : { modelCalls: item.calls.map(storedCall) }),
    }));
  }
  if (allCalls.length > 1) metadata['turnTotals'] = sumCalls(allCalls);
  return metadata;
}
