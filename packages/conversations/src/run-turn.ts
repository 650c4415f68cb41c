import type { CompletionOptions, ConversationNode, LLMResponse, StreamPart, ToolCall } from '@dk/spec';
import type { Attributes } from '@opentelemetry/api';
import type { PathEntry } from './active-path.js';
import { enforceContextLimit } from './compaction.js';
import type { CompletionResult } from './completion-result.js';
import type { CompleteOptions } from './conversation-manager-options.js';
import type { ConversationMiddleware } from './conversation-middleware.js';
import type { ConversationSession } from './conversation-session.js';
import { linkToNode } from './conversation-telemetry.js';
import { runAfterTurnMiddleware } from './middleware-pipeline.js';
import { modelStep } from './model-step.js';
import type { ModelStepResult } from './model-step.js';
import { needsApproval, openToolCalls, pendingCalls } from './pending-tool-calls.js';
import { planOutput } from './structured-output.js';
import { ToolCallError } from './tool-call-error.js';
import { runToolCall, toolNode } from './tool-execution.js';
import type { ToolOutcome, ToolRunSettings } from './tool-execution.js';
import { resolveTools } from './tool-set.js';
import type { ResolvedTool } from './tool-set.js';
import { answerBase } from './turn-base.js';
import { sumCalls } from './turn-accounting.js';
import { createAttemptContext, createTurnState } from './turn-context.js';
import type { TurnState } from './turn-context.js';
import type {
  CompletionStep,
  ConversationStreamPart,
  PendingToolCall,
  ToolResultRecord,
  TurnStatus,
} from './turn-types.js';

const defaultMaxSteps = 10;
const defaultToolTimeoutMs = 60_000;
const defaultMaxParallelToolCalls = 4;
const defaultMaxToolErrors = 3;
const defaultMaxRepairs = 1;

/** Which public operation runs the turn, and how the model is called. */
export interface TurnRequest {
  readonly operation: 'complete' | 'regenerate' | 'stream';
  readonly mode: 'complete' | 'stream';
  readonly options: CompleteOptions;
}

type TurnPart = Exclude<ConversationStreamPart, { type: 'end' }>;

/** Runs `items` through `run` with at most `limit` at a time; results in input order. */
async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  run: (item: T) => Promise<R>,
): Promise<PromiseSettledResult<R>[]> {
  const results: PromiseSettledResult<R>[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = { status: 'fulfilled', value: await run(items[index]!) };
      } catch (error) {
        results[index] = { status: 'rejected', reason: error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A response for a turn that ends before any model call (its tool calls are still pending). */
function responseFromNode(node: ConversationNode): LLMResponse {
  const metadata = node.metadata;
  return {
    content: node.content,
    model: typeof metadata['model'] === 'string' ? metadata['model'] : 'unknown',
    finishReason: 'tool_calls',
    usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0 },
    warnings: [],
    metadata: {},
    ...(node.toolCalls === undefined ? {} : { toolCalls: node.toolCalls }),
  } as LLMResponse;
}

/** The provider options of every model call of the turn. */
function callOptionsOf(
  options: CompleteOptions,
  tools: ReadonlyMap<string, ResolvedTool>,
  responseFormat: CompletionOptions['responseFormat'],
  signal: AbortSignal,
): CompletionOptions {
  return {
    ...(responseFormat === undefined ? {} : { responseFormat }),
    ...options.overrides,
    ...(tools.size === 0 ? {} : { tools: [...tools.values()].map((tool) => tool.definition) }),
    signal,
  };
}

/** Runs the tool calls of one step and stores their results in call order. */
async function* runTools(
  session: ConversationSession,
  step: number,
  calls: readonly ToolCall[],
  settings: ToolRunSettings,
  toolErrors: { count: number; readonly max: number; readonly policy: 'feed-back' | 'fail' },
): AsyncGenerator<TurnPart, readonly ToolResultRecord[]> {
  const settled = await mapBounded(calls, settings.maxParallel, (call) => runToolCall(call, settings));
  const records: ToolResultRecord[] = [];
  let abort: unknown;
  for (const result of settled) {
    if (result.status === 'rejected') {
      abort ??= result.reason;
      continue;
    }
    const outcome: ToolOutcome = result.value;
    const node = await session.append(session.path.entries, toolNode(outcome));
    records.push({
      toolCallId: outcome.call.id,
      toolName: outcome.call.name,
      node,
      output: outcome.output,
      isError: outcome.isError,
      durationMs: outcome.durationMs,
    });
    yield {
      type: 'tool-result',
      toolCallId: outcome.call.id,
      toolName: outcome.call.name,
      output: outcome.isError ? outcome.content : outcome.output,
      isError: outcome.isError,
      nodeId: node.id,
    };
    if (outcome.isError) {
      toolErrors.count += 1;
      if (toolErrors.policy === 'fail' || toolErrors.count > toolErrors.max) {
        throw new ToolCallError({
          conversationId: session.conversationId,
          toolCallId: outcome.call.id,
          toolName: outcome.call.name,
          kind: outcome.errorKind ?? 'error',
          message:
            toolErrors.policy === 'fail'
              ? `Tool "${outcome.call.name}" failed (${outcome.errorKind ?? 'error'}) in step ${step} and the turn's policy is \`toolErrors: 'fail'\`: ${outcome.content}`
              : `Tool calls failed ${toolErrors.count} times in this turn (limit \`maxToolErrors\`: ${toolErrors.max}); the last, "${outcome.call.name}", with: ${outcome.content}. The steps so far are stored.`,
        });
      }
    }
  }
  if (abort !== undefined) throw abort;
  return records;
}

/**
 * One turn: model steps and the tools they call, until the model answers without tool
 * calls, a call must wait (approval, a client-side tool, an interruption) or `maxSteps`
 * model calls were made. Every step is stored as it happens: the assistant message with
 * its tool calls, one `tool` node per result (in call order), and the final answer.
 * Yields the parts of `stream()`; returns the turn's result.
 */
export async function* runTurn(
  session: ConversationSession,
  request: TurnRequest,
): AsyncGenerator<TurnPart, CompletionResult> {
  const { options, mode } = request;
  const handle = session.beginTurn(request.operation, options.signal);
  const telemetry = session.telemetry;
  const turnSpan = telemetry.start(
    `invoke_agent ${telemetry.agentName}`,
    {
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': telemetry.agentName,
      'gen_ai.conversation.id': session.conversationId,
      'gen_ai.provider.name': session.llm.provider,
      'gen_ai.request.model': options.overrides?.model ?? session.llm.modelId,
      'dk.turn.operation': request.operation,
    },
    undefined,
    { links: linkToNode(session.path.last?.node.metadata) },
  );
  session.traceContext = turnSpan.context;
  let failure: unknown;
  try {
    // Inside the turn, so no other turn of this manager interleaves with the compaction.
    const summaryCall =
      request.operation === 'regenerate' ? undefined : await enforceContextLimit(session, handle.signal);
    const tools = resolveTools(session.tools, options.tools);
    const middleware: readonly ConversationMiddleware[] = session.activeMiddleware(options.middleware);
    const output = planOutput(options.output);
    const maxSteps = options.maxSteps ?? session.maxSteps ?? defaultMaxSteps;
    let base: readonly PathEntry[] = answerBase(session, request.operation);
    const turn: TurnState = createTurnState(
      session,
      mode,
      base.at(-1)!.node.id,
      handle.signal,
      summaryCall === undefined ? [] : [summaryCall],
    );
    if (turnSpan.span.isRecording()) turnSpan.span.setAttribute('dk.node.parent_id', turn.parentNodeId);
    const callOptions = callOptionsOf(options, tools, output?.responseFormat, handle.signal);
    const toolErrors = {
      count: 0,
      max: options.maxToolErrors ?? defaultMaxToolErrors,
      policy: options.toolErrors ?? 'feed-back',
    };
    const steps: CompletionStep[] = [];
    let last: ModelStepResult | undefined;
    let status: TurnStatus = 'complete';
    let pending: PendingToolCall[] = [];

    const toolSettings = (step: number): ToolRunSettings => ({
      tools,
      middleware,
      context: createAttemptContext(session, turn, step, 1).view,
      signal: handle.signal,
      conversationId: session.conversationId,
      timeoutMs: options.toolTimeoutMs ?? session.toolTimeoutMs ?? defaultToolTimeoutMs,
      maxParallel: options.maxParallelToolCalls ?? defaultMaxParallelToolCalls,
      now: session.now,
      telemetry,
      traceContext: turnSpan.context,
    });

    // A turn that starts on a tool-calling step (after approvals, or a resumed loop) continues it.
    const resumed = openToolCalls(base);
    if (resumed !== undefined) pending = await pendingCalls(resumed, tools, session.record.metadata);

    for (let step = 1; pending.length === 0; step += 1) {
      last = yield* modelStep(session, base, {
        mode,
        step,
        turn,
        middleware,
        options,
        callOptions,
        output,
        maxRepairs: options.maxRepairs ?? defaultMaxRepairs,
      });
      if (mode === 'stream') {
        yield { type: 'step-finish', step, nodeId: last.node.id, finishReason: last.response.finishReason };
      }
      const calls = last.node.toolCalls ?? [];
      if (calls.length === 0) {
        steps.push({ step, node: last.node, toolResults: [] });
        break;
      }
      const runnable: ToolCall[] = [];
      for (const call of calls) {
        const tool = tools.get(call.name);
        const waits =
          tool !== undefined && (tool.tool.execute === undefined || (await needsApproval(tool, call.arguments)));
        if (!waits) runnable.push(call);
      }
      const results =
        runnable.length === 0 ? [] : yield* runTools(session, step, runnable, toolSettings(step), toolErrors);
      steps.push({ step, node: last.node, toolResults: results });
      const open = openToolCalls(session.path.entries);
      pending = open === undefined ? [] : await pendingCalls(open, tools, session.record.metadata);
      if (pending.length > 0) break;
      if (step >= maxSteps) {
        status = 'max-steps';
        break;
      }
      base = session.path.entries;
    }
    if (pending.length > 0) {
      status = 'pending-tool-calls';
      if (mode === 'stream') for (const call of pending) yield { type: 'tool-pending', call };
    }

    // An answer stored off the path (another writer moved the cursor) is still this turn's node.
    const node = last?.offPath === true ? last.node : session.path.last!.node;
    const totals = sumCalls(turn.calls);
    const result: CompletionResult = {
      ...(last?.response ?? responseFromNode(resumed!.assistant.node)),
      node,
      costUsd: last?.answer.costUsd ?? null,
      latencyMs: last?.latencyMs ?? 0,
      status,
      steps,
      pendingToolCalls: pending,
      object: last?.object,
    };
    if (turn.calls.length > 0) {
      await runAfterTurnMiddleware(
        middleware,
        {
          nodeId: node.id,
          modelCalls: [...turn.calls],
          usage: totals.usage,
          unknownUsageCalls: totals.unknownUsageCalls,
        },
        createAttemptContext(session, turn, steps.length, 1).view,
      );
    }
    if (turnSpan.span.isRecording()) {
      const attributes: Attributes = {
        'dk.node.id': node.id,
        'dk.turn.status': status,
        'dk.turn.steps': steps.length,
        'dk.turn.model_calls': turn.calls.length,
      };
      if (totals.usage !== undefined) {
        attributes['gen_ai.usage.input_tokens'] = totals.usage.promptTokens;
        attributes['gen_ai.usage.output_tokens'] = totals.usage.completionTokens;
      }
      turnSpan.span.setAttributes(attributes);
    }
    return result;
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    session.traceContext = undefined;
    telemetry.end(turnSpan.span, failure);
    handle.end();
  }
}

/** The `end` part that closes `stream()`. */
export function turnEndPart(result: CompletionResult): Extract<ConversationStreamPart, { type: 'end' }> {
  const {
    node: _node,
    costUsd: _cost,
    latencyMs: _latency,
    status: _status,
    steps: _steps,
    pendingToolCalls: _pending,
    object: _object,
    ...response
  } = result;
  return {
    type: 'end',
    finishReason: result.finishReason,
    usage: result.usage,
    response: response as Extract<StreamPart, { type: 'end' }>['response'],
    result,
  };
}
