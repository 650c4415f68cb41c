import { context as otelContext } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import type { NewConversationNode, ToolCall } from '@dk/spec';
import type {
  ConversationMiddleware,
  MiddlewareContext,
  ToolCallInfo,
  ToolResultInfo,
} from './conversation-middleware.js';
import type { ConversationTelemetry } from './conversation-telemetry.js';
import { checkToolArguments } from './tool-arguments.js';
import type { ResolvedTool } from './tool-set.js';

/** What running one tool call produced (before it is stored). */
export interface ToolOutcome {
  readonly call: ToolCall;
  readonly output: unknown;
  /** The text stored in the `tool` node and sent to the model. */
  readonly content: string;
  readonly isError: boolean;
  /** Why the call failed, for the node metadata: `invalid-arguments`, `unknown-tool`, `refused`, `timeout`, `aborted`, `error`, `rejected`. */
  readonly errorKind: string | undefined;
  readonly errorName: string | undefined;
  readonly durationMs: number;
}

/** How tool calls run. */
export interface ToolRunSettings {
  readonly tools: ReadonlyMap<string, ResolvedTool>;
  readonly middleware: readonly ConversationMiddleware[];
  readonly context: MiddlewareContext;
  readonly signal: AbortSignal;
  readonly conversationId: string;
  /** Deadline of one execution in milliseconds. */
  readonly timeoutMs: number;
  /** Calls of one step run at the same time, at most. */
  readonly maxParallel: number;
  readonly now: () => number;
  /** Spans of the executions (`execute_tool {name}`); none without. */
  readonly telemetry?: ConversationTelemetry;
  /** The span the executions are children of (the turn's); default the active context. */
  readonly traceContext?: Context | undefined;
}

/** The text a tool result becomes: strings as they are, anything else as JSON. */
function toolContent(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output === undefined) return '';
  try {
    return JSON.stringify(output) ?? String(output);
  } catch {
    return String(output);
  }
}

function failure(
  call: ToolCall,
  errorKind: string,
  message: string,
  started: number,
  now: () => number,
  errorName?: string,
): ToolOutcome {
  return {
    call,
    output: undefined,
    content: `Error: ${message}`,
    isError: true,
    errorKind,
    errorName,
    durationMs: now() - started,
  };
}

/** Runs `execute` with the turn's signal and a deadline; a tool that ignores the signal is still not waited for past it. */
async function executeWithDeadline(
  tool: ResolvedTool,
  args: unknown,
  call: ToolCall,
  settings: ToolRunSettings,
): Promise<unknown> {
  // The tool's signal: one controller aborted by the turn's signal or the deadline. Not
  // AbortSignal.any, which costs ~20 µs of CPU per call in Node 20 (a third of a loop step) and
  // registers every derived signal on the turn's signal.
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          const error = new Error(`the tool did not finish within ${settings.timeoutMs} ms`);
          error.name = 'ToolTimeoutError';
          controller.abort(error);
          reject(error);
        }, settings.timeoutMs);
        onAbort = () => {
          controller.abort(settings.signal.reason);
          reject(settings.signal.reason ?? new Error('aborted'));
        };
        if (settings.signal.aborted) onAbort();
        else settings.signal.addEventListener('abort', onAbort, { once: true });
      }),
      Promise.resolve().then(() =>
        tool.tool.execute!(args, {
          signal: controller.signal,
          conversationId: settings.conversationId,
          toolCallId: call.id,
        }),
      ),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) settings.signal.removeEventListener('abort', onAbort);
  }
}

/**
 * Runs one tool call: checks the tool exists and the arguments match its schema, passes
 * the call through `processToolCall` middleware, executes it (with the turn's signal and a
 * deadline), and passes the result through `processToolResult`. Every failure — unknown
 * tool, invalid arguments, a refusal, a throw, a timeout — becomes an error result the
 * model can read; an abort of the turn is rethrown.
 */
export async function runToolCall(call: ToolCall, settings: ToolRunSettings): Promise<ToolOutcome> {
  const telemetry = settings.telemetry;
  if (telemetry === undefined) return runToolCallUntraced(call, settings);
  const tool = settings.tools.get(call.name);
  const attributes: Attributes = {
    'gen_ai.operation.name': 'execute_tool',
    'gen_ai.tool.name': call.name,
    'gen_ai.tool.call.id': call.id,
    'gen_ai.tool.type': 'function',
    'gen_ai.conversation.id': settings.conversationId,
  };
  const description = tool?.definition.description;
  if (description !== undefined) attributes['gen_ai.tool.description'] = description;
  const { span, context } = telemetry.start(`execute_tool ${call.name}`, attributes, settings.traceContext);
  if (!span.isRecording()) return runToolCallUntraced(call, settings);
  telemetry.setContent(span, 'gen_ai.tool.call.arguments', call.arguments);
  let outcome: ToolOutcome;
  try {
    // The tool runs inside the span's context, so what it traces (HTTP, databases, MCP) nests under it.
    outcome = await otelContext.with(context, () => runToolCallUntraced(call, settings));
  } catch (error) {
    telemetry.end(span, error);
    throw error;
  }
  if (outcome.isError) {
    span.setAttribute('dk.tool.error_kind', outcome.errorKind ?? 'error');
    telemetry.setContent(span, 'gen_ai.tool.call.result', outcome.content);
    telemetry.end(
      span,
      Object.assign(new Error(outcome.content), {
        name: outcome.errorName ?? 'ToolError',
        code: `tool-${outcome.errorKind ?? 'error'}`,
      }),
    );
    return outcome;
  }
  telemetry.setContent(span, 'gen_ai.tool.call.result', outcome.content);
  telemetry.end(span);
  return outcome;
}

async function runToolCallUntraced(call: ToolCall, settings: ToolRunSettings): Promise<ToolOutcome> {
  const started = settings.now();
  const tool = settings.tools.get(call.name);
  if (tool === undefined) {
    const known = [...settings.tools.keys()].join(', ') || 'none';
    return failure(
      call,
      'unknown-tool',
      `there is no tool "${call.name}". Available tools: ${known}.`,
      started,
      settings.now,
    );
  }
  const checked = await checkToolArguments(tool, call.arguments);
  if (!checked.ok) {
    return failure(
      call,
      'invalid-arguments',
      `invalid arguments for tool "${call.name}": ${checked.problems.join('; ')}. Call it again with arguments that match its schema.`,
      started,
      settings.now,
    );
  }
  let info: ToolCallInfo = { toolCallId: call.id, toolName: call.name, arguments: checked.value };
  try {
    for (const item of settings.middleware) {
      if (item.processToolCall === undefined) continue;
      info = (await item.processToolCall(info, settings.context)) ?? info;
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return failure(call, 'refused', `the call was refused: ${message}`, started, settings.now, describeName(error));
  }
  let outcome: ToolOutcome;
  try {
    const output = await executeWithDeadline(tool, info.arguments, call, settings);
    outcome = {
      call,
      output,
      content: toolContent(output),
      isError: false,
      errorKind: undefined,
      errorName: undefined,
      durationMs: settings.now() - started,
    };
  } catch (error) {
    if (settings.signal.aborted) throw settings.signal.reason ?? error;
    const timedOut = error instanceof Error && error.name === 'ToolTimeoutError';
    const message = error instanceof Error ? error.message : String(error);
    outcome = failure(call, timedOut ? 'timeout' : 'error', message, started, settings.now, describeName(error));
  }
  let result: ToolResultInfo = {
    toolCallId: call.id,
    toolName: call.name,
    output: outcome.output,
    content: outcome.content,
    isError: outcome.isError,
  };
  for (const item of settings.middleware) {
    if (item.processToolResult === undefined) continue;
    result = (await item.processToolResult(result, settings.context)) ?? result;
  }
  return { ...outcome, output: result.output, content: result.content, isError: result.isError };
}

function describeName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/** The `tool` node that stores an outcome. */
export function toolNode(outcome: ToolOutcome, approval?: 'approved' | 'rejected'): NewConversationNode {
  return {
    role: 'tool',
    content: outcome.content,
    name: outcome.call.name,
    toolCallId: outcome.call.id,
    metadata: {
      toolName: outcome.call.name,
      durationMs: Math.round(outcome.durationMs * 1000) / 1000,
      ...(outcome.isError
        ? {
            isError: true,
            error: { kind: outcome.errorKind, ...(outcome.errorName === undefined ? {} : { name: outcome.errorName }) },
          }
        : {}),
      ...(approval === undefined ? {} : { approval }),
    },
  };
}
