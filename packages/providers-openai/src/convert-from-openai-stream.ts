import type { ProviderWarning, ResponseFormat, StreamPart, Usage } from '@dk/spec';
import { createInvalidResponseError, createUsage, StreamAssembler } from '@dk/provider-utils';
import type { OpenAIChatCompletionChunk } from './openai-api.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

const provider = 'openai';

/** What {@link convertFromOpenAIStream} needs besides the chunks. */
export interface ConvertFromOpenAIStreamContext {
  /** The requested model, reported until a chunk names one. */
  readonly model: string;
  readonly warnings: readonly ProviderWarning[];
  readonly responseFormat: ResponseFormat | undefined;
  readonly requestId: string | undefined;
}

/**
 * Turns a chat completion chunk stream into dk stream parts: text deltas, tool-call deltas
 * (assembled into tool calls), and the `end` part with usage (from the last chunk when the
 * server sends it; else `undefined`). Chunks without a choice (the usage chunk, keep-alives)
 * produce no part. A stream that ends before a finish reason, a chunk or choice that is not an
 * object, content or tool-call arguments that are not text, or a tool call never named, is an
 * `InvalidResponseError`.
 */
export async function* convertFromOpenAIStream(
  chunks: AsyncIterable<OpenAIChatCompletionChunk>,
  { model, warnings, responseFormat, requestId }: ConvertFromOpenAIStreamContext,
): AsyncGenerator<StreamPart, void, undefined> {
  const assembler = new StreamAssembler({ provider, model, responseFormat, requestId });
  let rawFinishReason: string | undefined;
  let usage: Usage | undefined;
  let responseId: string | undefined;

  for await (const chunk of chunks) {
    if (typeof chunk !== 'object' || chunk === null) {
      throw createInvalidResponseError({ provider, problem: 'a stream event is not a chunk object', requestId });
    }
    assembler.setModel(chunk.model);
    responseId ??= chunk.id;
    if (chunk.usage) {
      usage = createUsage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens, chunk.usage.total_tokens);
    }
    const choice = Array.isArray(chunk.choices) ? (chunk.choices[0] as unknown) : undefined;
    if (choice === undefined) continue;
    const { delta, finish_reason: finishReason } = checkedChoice(choice, requestId);
    if (delta.content != null) {
      if (typeof delta.content !== 'string') {
        throw createInvalidResponseError({ provider, problem: "a chunk's `delta.content` is not text", requestId });
      }
      const part = assembler.text(delta.content);
      if (part !== undefined) yield part;
    }
    const toolDeltas: unknown = delta.tool_calls;
    if (Array.isArray(toolDeltas)) {
      for (let position = 0; position < toolDeltas.length; position += 1) {
        const toolDelta = checkedToolDelta(toolDeltas[position], requestId);
        yield assembler.toolCallDelta({
          index: typeof toolDelta.index === 'number' ? toolDelta.index : position,
          id: toolDelta.id,
          name: toolDelta.function?.name,
          argumentsDelta: toolDelta.function?.arguments ?? '',
        });
      }
    }
    if (finishReason) rawFinishReason = finishReason;
  }

  if (rawFinishReason === undefined) {
    throw createInvalidResponseError({
      provider,
      problem: 'the response stream ended before a finish reason',
      requestId,
    });
  }
  yield* assembler.finish({
    finishReason: mapOpenAIFinishReason(rawFinishReason),
    usage,
    metadata: { requestId, rawFinishReason, id: responseId },
    warnings,
  });
}

type ChunkChoice = OpenAIChatCompletionChunk['choices'][number];
type ToolCallDelta = NonNullable<ChunkChoice['delta']['tool_calls']>[number];

function checkedChoice(
  choice: unknown,
  requestId: string | undefined,
): Partial<ChunkChoice> & Pick<ChunkChoice, 'delta'> {
  if (typeof choice !== 'object' || choice === null) {
    throw createInvalidResponseError({ provider, problem: "a chunk's `choices[0]` is not an object", requestId });
  }
  const checked = choice as Partial<ChunkChoice>;
  return { ...checked, delta: checked.delta ?? {} };
}

function checkedToolDelta(toolDelta: unknown, requestId: string | undefined): ToolCallDelta {
  const checked = toolDelta as ToolCallDelta | null;
  if (typeof checked !== 'object' || checked === null) {
    throw createInvalidResponseError({ provider, problem: "a chunk's tool-call delta is not an object", requestId });
  }
  const fn = checked.function as { name?: unknown; arguments?: unknown } | null | undefined;
  if (fn != null && fn.arguments != null && typeof fn.arguments !== 'string') {
    throw createInvalidResponseError({ provider, problem: "a chunk's tool-call arguments are not text", requestId });
  }
  if (fn != null && fn.name != null && typeof fn.name !== 'string') {
    throw createInvalidResponseError({ provider, problem: "a chunk's tool name is not text", requestId });
  }
  return checked;
}
