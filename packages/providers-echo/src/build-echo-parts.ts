import { InvalidRequestError } from '@dk/spec';
import type { LLMMessage, StreamPart, ToolCall, Usage } from '@dk/spec';
import { StreamAssembler } from '@dk/provider-utils';
import type { ModelCallOptions } from '@dk/provider-utils';
import type { EchoAnswer } from './echo-script.js';
import { estimateTokens } from './estimate-tokens.js';

/** What {@link buildEchoParts} needs besides the answer. */
export interface BuildEchoPartsContext {
  readonly messages: readonly LLMMessage[];
  readonly options: ModelCallOptions;
  /** The provider's model, reported unless the answer or the call names one. */
  readonly modelId: string;
  /** Refuse tool calls when the call offered no tools. */
  readonly strictTools: boolean;
  /** Estimate usage when the answer scripts none; `false`: report none. */
  readonly mockUsage: boolean;
  /** Ids for scripted tool calls without one (`call_<n>`). */
  readonly nextToolCallId: () => string;
  /** How the content is split into text deltas. */
  readonly chunk: (text: string) => readonly string[];
}

/**
 * The stream parts of a scripted answer: text deltas (by `chunk`), each tool call as two
 * argument fragments, then the `end` part with the assembled response (usage estimated, or as
 * scripted; `null` or `mockUsage: false` report none). `complete()` uses the `end` part's response.
 */
export function buildEchoParts(
  { scripted, source }: EchoAnswer,
  { messages, options, modelId, strictTools, mockUsage, nextToolCallId, chunk }: BuildEchoPartsContext,
): StreamPart[] {
  const toolCalls: ToolCall[] = (scripted.toolCalls ?? []).map((toolCall) => ({
    id: toolCall.id ?? nextToolCallId(),
    name: toolCall.name,
    arguments: toolCall.arguments ?? {},
  }));
  if (toolCalls.length > 0 && (options.tools === undefined || options.tools.length === 0) && strictTools) {
    throw new InvalidRequestError({
      provider: 'echo',
      message: `echo: the scripted response has tool calls (${toolCalls.map((toolCall) => toolCall.name).join(', ')}) but the call offered no tools. Pass options.tools, or set strictTools: false.`,
    });
  }
  const content = scripted.content ?? '';
  const pieces = content === '' ? [] : chunk(content);
  if (pieces.join('') !== content) {
    throw new InvalidRequestError({
      provider: 'echo',
      message: 'echo: the scripted chunks do not join to the scripted content. Fix the script.',
    });
  }
  const assembler = new StreamAssembler({
    provider: 'echo',
    model: scripted.model ?? options.model ?? modelId,
    responseFormat: options.responseFormat,
  });
  const parts: StreamPart[] = [];
  for (const piece of pieces) {
    const part = assembler.text(piece);
    if (part !== undefined) parts.push(part);
  }
  toolCalls.forEach((toolCall, index) => {
    const json = JSON.stringify(toolCall.arguments);
    const middle = Math.ceil(json.length / 2);
    parts.push(
      assembler.toolCallDelta({ index, id: toolCall.id, name: toolCall.name, argumentsDelta: json.slice(0, middle) }),
    );
    parts.push(assembler.toolCallDelta({ index, argumentsDelta: json.slice(middle) }));
  });
  const usage =
    scripted.usage === null
      ? undefined
      : (scripted.usage ?? (mockUsage ? estimateUsage(messages, content) : undefined));
  parts.push(
    ...assembler.finish({
      finishReason: scripted.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      usage,
      metadata: { ...scripted.metadata, scripted: source },
    }),
  );
  return parts;
}

function estimateUsage(messages: readonly LLMMessage[], content: string): Usage {
  const promptTokens = messages.reduce((sum, message) => sum + estimateTokens(message.content), 0);
  const completionTokens = estimateTokens(content);
  return { promptTokens, completionTokens, totalTokens: promptTokens + completionTokens };
}
