import type { ProviderWarning, ResponseFormat, StreamPart } from '@dk/spec';
import { createInvalidResponseError, StreamAssembler } from '@dk/provider-utils';
import type { AnthropicStreamEvent } from './anthropic-api.js';
import { anthropicFinishReason } from './convert-from-anthropic-message.js';
import { convertFromAnthropicUsage, mergeAnthropicUsage } from './convert-from-anthropic-usage.js';
import type { AnthropicUsageCounts } from './convert-from-anthropic-usage.js';

const provider = 'anthropic';

/** What {@link convertFromAnthropicStream} needs besides the events. */
export interface ConvertFromAnthropicStreamContext {
  /** The requested model, reported until `message_start` names one. */
  readonly model: string;
  readonly warnings: readonly ProviderWarning[];
  readonly responseFormat: ResponseFormat | undefined;
  /** The synthetic tool whose input is the structured answer, streamed as text. */
  readonly responseToolName: string | undefined;
  readonly requestId: string | undefined;
}

/**
 * Turns a Messages API event stream into dk stream parts: text deltas, `tool_use` blocks as
 * tool-call deltas and (at `content_block_stop`) tool calls, the response tool's input as text,
 * and the `end` part with usage (`message_start` and `message_delta` counts merged; `undefined`
 * when the server sends none). `message_start`, `ping` and empty text blocks produce no part. A
 * stream that ends before `message_stop` is an `InvalidResponseError`.
 */
export async function* convertFromAnthropicStream(
  events: AsyncIterable<AnthropicStreamEvent>,
  { model, warnings, responseFormat, responseToolName, requestId }: ConvertFromAnthropicStreamContext,
): AsyncGenerator<StreamPart, void, undefined> {
  const assembler = new StreamAssembler({ provider, model, responseFormat });
  const toolBlocks = new Set<number>();
  let responseToolBlock: number | undefined;
  let usage: AnthropicUsageCounts = {};
  let stopReason: string | null | undefined;
  let messageId: string | undefined;
  let stopped = false;

  for await (const event of events) {
    switch (event?.type) {
      case 'message_start':
        messageId = event.message?.id;
        assembler.setModel(event.message?.model);
        usage = mergeAnthropicUsage(usage, event.message?.usage);
        break;
      case 'content_block_start': {
        const block = event.content_block;
        if (block?.type === 'text') {
          const part = assembler.text(block.text ?? '');
          if (part !== undefined) yield part;
        } else if (block?.type === 'tool_use') {
          if (block.name === responseToolName) {
            responseToolBlock = event.index;
          } else {
            toolBlocks.add(event.index);
            yield assembler.toolCallDelta({ index: event.index, id: block.id, name: block.name, argumentsDelta: '' });
          }
        }
        break;
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta?.type === 'text_delta') {
          const part = assembler.text(delta.text ?? '');
          if (part !== undefined) yield part;
        } else if (delta?.type === 'input_json_delta') {
          if (event.index === responseToolBlock) {
            // The structured answer arrives as the response tool's input: stream it as text.
            const part = assembler.text(delta.partial_json ?? '');
            if (part !== undefined) yield part;
          } else if (toolBlocks.has(event.index) && delta.partial_json) {
            yield assembler.toolCallDelta({ index: event.index, argumentsDelta: delta.partial_json });
          }
        }
        break;
      }
      case 'content_block_stop':
        if (toolBlocks.has(event.index)) {
          const part = assembler.completeToolCall(event.index);
          if (part !== undefined) yield part;
        }
        break;
      case 'message_delta':
        stopReason = event.delta?.stop_reason;
        usage = mergeAnthropicUsage(usage, event.usage);
        break;
      case 'message_stop':
        stopped = true;
        break;
    }
  }

  if (!stopped) {
    throw createInvalidResponseError({
      provider,
      problem: 'the response stream ended before `message_stop`',
      requestId,
    });
  }
  const rawFinishReason = stopReason ?? undefined;
  yield* assembler.finish({
    finishReason: anthropicFinishReason(rawFinishReason, toolBlocks.size > 0, responseToolBlock !== undefined),
    usage: convertFromAnthropicUsage(usage),
    metadata: { requestId, rawFinishReason, id: messageId },
    warnings,
  });
}
