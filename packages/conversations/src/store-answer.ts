import type { ConversationNode, LLMResponse } from '@dk/spec';
import type { PathEntry } from './active-path.js';
import { answerMetadata } from './answer-metadata.js';
import type { DiscardedAttempt } from './answer-metadata.js';
import type { CompleteOptions } from './conversation-manager-options.js';
import type { ConversationMiddleware, ModelCallRecord } from './conversation-middleware.js';
import type { ConversationSession } from './conversation-session.js';
import { runAfterTurnMiddleware } from './middleware-pipeline.js';
import { sumCalls } from './turn-accounting.js';
import type { AttemptContext, TurnState } from './turn-context.js';

/**
 * Stores a turn's answer — the processed response with its full record — under `base`
 * (the turn's only write), moves the cursor to it, then runs `afterTurn` middleware.
 */
export async function storeAnswer(
  session: ConversationSession,
  base: readonly PathEntry[],
  turn: {
    readonly raw: LLMResponse;
    readonly response: LLMResponse;
    readonly answer: ModelCallRecord;
    readonly latencyMs: number;
    readonly attempt: number;
    readonly discarded: readonly DiscardedAttempt[];
    readonly context: AttemptContext;
    readonly state: TurnState;
    readonly middleware: readonly ConversationMiddleware[];
    readonly options: CompleteOptions;
  },
): Promise<ConversationNode> {
  const { response, context, options } = turn;
  const node = await session.append(base, {
    role: 'assistant',
    content: response.content,
    ...(response.toolCalls === undefined || response.toolCalls.length === 0 ? {} : { toolCalls: response.toolCalls }),
    metadata: answerMetadata({
      raw: turn.raw,
      response,
      provider: session.llm.provider,
      answer: turn.answer,
      latencyMs: turn.latencyMs,
      attempt: turn.attempt,
      discarded: turn.discarded,
      annotations: context.annotations,
      extraCalls: context.extraCalls,
      options,
    }),
    ...(options.branchName === undefined ? {} : { branchName: options.branchName }),
  });
  const totals = sumCalls(turn.state.calls);
  await runAfterTurnMiddleware(
    turn.middleware,
    {
      nodeId: node.id,
      modelCalls: [...turn.state.calls],
      usage: totals.usage,
      unknownUsageCalls: totals.unknownUsageCalls,
    },
    context.view,
  );
  return node;
}
