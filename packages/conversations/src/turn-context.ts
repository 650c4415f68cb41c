import type { LLMResponse } from '@dk/spec';
import { estimateTokens } from './active-path.js';
import { ConversationInputError } from './conversation-input-error.js';
import type { MiddlewareContext, ModelCallRecord, RecordModelCallOptions } from './conversation-middleware.js';
import type { ConversationSession } from './conversation-session.js';
import { frozenClone } from './deep-freeze.js';
import { modelCallRecord } from './turn-accounting.js';

/** Turn-level state shared by every attempt of one turn. */
export interface TurnState {
  readonly operation: 'complete' | 'stream' | 'tool-approval';
  readonly parentNodeId: string;
  readonly signal: AbortSignal;
  readonly turnData: Map<unknown, unknown>;
  /** A per-turn writable copy of the conversation metadata (never stored). */
  readonly metadata: Record<string, unknown>;
  /** Every model call of the turn, all attempts, in order. */
  readonly calls: ModelCallRecord[];
  /**
   * Calls made for the turn before its first model step (an automatic compaction's
   * summary), listed on the first answer node stored and then cleared.
   */
  readonly unlisted: ModelCallRecord[];
}

/** One attempt's view for middleware plus what the attempt collects. */
export interface AttemptContext {
  readonly view: MiddlewareContext;
  /** Node metadata set with `setNodeMetadata` during this attempt. */
  readonly annotations: Record<string, unknown>;
  /** Calls recorded by middleware during this attempt (the answer itself is not among them). */
  readonly extraCalls: ModelCallRecord[];
  /** Records the attempt's own model answer; `promptTokens` estimates the prompt for unknown usage. */
  recordAnswer(response: LLMResponse, latencyMs: number, promptTokens: number): ModelCallRecord;
}

/** Starts the shared state of a turn. */
export function createTurnState(
  session: ConversationSession,
  operation: 'complete' | 'stream' | 'tool-approval',
  parentNodeId: string,
  signal: AbortSignal,
  leadingCalls: readonly ModelCallRecord[] = [],
): TurnState {
  return {
    operation,
    parentNodeId,
    signal,
    turnData: new Map(),
    // Writable at the top level (the guide's `state.metadata[key] = …`); nested values stay frozen.
    metadata: { ...session.record.metadata },
    calls: [...leadingCalls],
    unlisted: [...leadingCalls],
  };
}

/** The middleware context of one attempt of a turn. */
export function createAttemptContext(
  session: ConversationSession,
  turn: TurnState,
  step: number,
  attempt: number,
): AttemptContext {
  const annotations: Record<string, unknown> = {};
  const extraCalls: ModelCallRecord[] = [];
  const llm = session.llm;
  const view: MiddlewareContext = {
    conversationId: session.conversationId,
    parentNodeId: turn.parentNodeId,
    metadata: turn.metadata,
    operation: turn.operation,
    attempt,
    step,
    provider: llm.provider,
    modelId: llm.modelId,
    signal: turn.signal,
    turnData: turn.turnData,
    setNodeMetadata: (key: string, value: unknown) => {
      if (typeof key !== 'string' || key === '') {
        throw new ConversationInputError({ field: 'setNodeMetadata key', reason: 'must be a non-empty string' });
      }
      annotations[key] = value;
    },
    get nodeMetadata() {
      return frozenClone(annotations);
    },
    recordModelCall: ({ purpose, response, provider, latencyMs }: RecordModelCallOptions) => {
      if (typeof purpose !== 'string' || purpose === '') {
        throw new ConversationInputError({ field: 'recordModelCall purpose', reason: 'must be a non-empty string' });
      }
      if (typeof response !== 'object' || response === null || typeof response.model !== 'string') {
        throw new ConversationInputError({
          field: 'recordModelCall response',
          reason: 'must be an LLMResponse (with `model` and `usage`)',
        });
      }
      const metadataProvider = response.metadata?.['provider'];
      const call = modelCallRecord(
        session.prices,
        purpose,
        provider ?? (typeof metadataProvider === 'string' ? metadataProvider : 'unknown'),
        response,
        latencyMs,
      );
      extraCalls.push(call);
      turn.calls.push(call);
    },
    get modelCalls() {
      return Object.freeze([...turn.calls]);
    },
  };
  return {
    view: Object.freeze(view),
    annotations,
    extraCalls,
    recordAnswer: (response, latencyMs, promptTokens) => {
      const estimate = promptTokens + estimateTokens(response.content);
      const call = modelCallRecord(session.prices, 'answer', llm.provider, response, latencyMs, estimate);
      turn.calls.push(call);
      return call;
    },
  };
}
