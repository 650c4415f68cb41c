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
 * produce no part. A stream that ends before a finish reason, or a chunk that is not an object,
 * is an `InvalidResponseError`.
 */
export async function* convertFromOpenAIStream(
  chunks: AsyncIterable<OpenAIChatCompletionChunk>,
  { model, warnings, responseFormat, requestId }: ConvertFromOpenAIStreamContext,
): AsyncGenerator<StreamPart, void, undefined> {
  const assembler = new StreamAssembler({ provider, model, responseFormat });
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
    const choice = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (choice === undefined) continue;
    const delta = choice.delta ?? {};
    if (typeof delta.content === 'string') {
      const part = assembler.text(delta.content);
      if (part !== undefined) yield part;
    }
    const toolDeltas = delta.tool_calls;
    if (Array.isArray(toolDeltas)) {
      for (let position = 0; position < toolDeltas.length; position += 1) {
        const toolDelta = toolDeltas[position] as (typeof toolDeltas)[number];
        yield assembler.toolCallDelta({
          index: typeof toolDelta.index === 'number' ? toolDelta.index : position,
          id: toolDelta.id,
          name: toolDelta.function?.name,
          argumentsDelta: toolDelta.function?.arguments ?? '',
        });
      }
    }
    if (choice.finish_reason) rawFinishReason = choice.finish_reason;
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
