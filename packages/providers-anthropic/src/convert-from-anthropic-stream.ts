import type { ProviderWarning, ResponseFormat, StreamPart } from '@dk/spec';
import { createInvalidResponseError, StreamAssembler } from '@dk/provider-utils';
import type { AnthropicStreamEvent } from './anthropic-api.js';
import { anthropicFinishReason, checkedContentBlock } from './convert-from-anthropic-message.js';
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
 * stream that ends before `message_stop`, or a content block event missing its fields (an index,
 * a block, text, a tool use's `id`, `name` or `input`, `partial_json`), is an `InvalidResponseError`.
 */
export async function* convertFromAnthropicStream(
  events: AsyncIterable<AnthropicStreamEvent>,
  { model, warnings, responseFormat, responseToolName, requestId }: ConvertFromAnthropicStreamContext,
): AsyncGenerator<StreamPart, void, undefined> {
  const assembler = new StreamAssembler({ provider, model, responseFormat, requestId });
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
        const index = checkedIndex(event.index, 'content_block_start', requestId);
        const block = checkedContentBlock(event.content_block, `the block started at index ${index}`, requestId);
        if (block.type === 'text') {
          const part = assembler.text(block.text);
          if (part !== undefined) yield part;
        } else if (block.type === 'tool_use') {
          if (responseToolName !== undefined && block.name === responseToolName) {
            responseToolBlock = index;
          } else {
            toolBlocks.add(index);
            yield assembler.toolCallDelta({ index, id: block.id, name: block.name, argumentsDelta: '' });
          }
        }
        break;
      }
      case 'content_block_delta': {
        const index = checkedIndex(event.index, 'content_block_delta', requestId);
        const delta = event.delta as { type?: unknown; text?: unknown; partial_json?: unknown } | null | undefined;
        if (delta?.type === 'text_delta') {
          const part = assembler.text(checkedText(delta.text, '`text_delta.text`', requestId));
          if (part !== undefined) yield part;
        } else if (delta?.type === 'input_json_delta') {
          const json = checkedText(delta.partial_json, '`input_json_delta.partial_json`', requestId);
          if (index === responseToolBlock) {
            // The structured answer arrives as the response tool's input: stream it as text.
            const part = assembler.text(json);
            if (part !== undefined) yield part;
          } else if (toolBlocks.has(index) && json !== '') {
            yield assembler.toolCallDelta({ index, argumentsDelta: json });
          }
        }
        break;
      }
      case 'content_block_stop': {
        const index = checkedIndex(event.index, 'content_block_stop', requestId);
        if (toolBlocks.has(index)) {
          const part = assembler.completeToolCall(index);
          if (part !== undefined) yield part;
        }
        break;
      }
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

function checkedIndex(index: unknown, eventType: string, requestId: string | undefined): number {
  if (typeof index === 'number' && Number.isInteger(index) && index >= 0) return index;
  throw createInvalidResponseError({ provider, problem: `a \`${eventType}\` event has no block index`, requestId });
}

function checkedText(text: unknown, field: string, requestId: string | undefined): string {
  if (typeof text === 'string') return text;
  throw createInvalidResponseError({ provider, problem: `a stream event's ${field} is not text`, requestId });
}
