import type { ConversationNode } from '@dk/spec';
import type { CompletionResult as TurnResult, ConversationStreamPart } from '@dk/conversations';
import { turnFigures } from './path-messages.js';
import type { DkMessageMetadata, DkUIMessageChunk } from './ui-message.js';

type FinishReason = Extract<DkUIMessageChunk, { type: 'finish' }>['finishReason'];

const finishReasons: Readonly<Record<string, FinishReason>> = {
  stop: 'stop',
  length: 'length',
  tool_calls: 'tool-calls',
  content_filter: 'content-filter',
  other: 'other',
};

/** The metadata of a finished turn: its nodes and summed figures. */
function resultMetadata(conversationId: string, result: TurnResult): DkMessageMetadata {
  const nodes: ConversationNode[] = [];
  for (const step of result.steps) {
    nodes.push(step.node);
    for (const toolResult of step.toolResults) nodes.push(toolResult.node);
  }
  if (nodes.length === 0) nodes.push(result.node);
  return {
    conversationId,
    nodeId: result.node.id,
    nodeIds: nodes.map((node) => node.id),
    status: result.status,
    ...turnFigures(nodes),
  };
}

/** Options of {@link toUIMessageChunks}. */
export interface UIMessageChunksOptions {
  readonly conversationId: string;
  /** Metadata of the `start` chunk (where the answer goes in the tree). */
  readonly startMetadata: DkMessageMetadata;
  /** Chunks sent right after `start` (e.g. the outcome of approvals answered by this request). */
  readonly prelude?: readonly DkUIMessageChunk[];
  /** Whether to send `start` (not when continuing an assistant message the client already has). */
  readonly messageId?: string;
  /** The end-user text (and any metadata) of a failure; the error chunk ends the stream. */
  readonly describeError: (error: unknown) => { readonly errorText: string; readonly metadata?: DkMessageMetadata };
}

/**
 * Translates a dk turn stream into the AI SDK UI message stream: `start` (with dk
 * metadata), steps (`start-step`/`finish-step`), text (`text-start`/`-delta`/`-end`), tool
 * calls (`tool-input-start`/`-delta`/`-available`), approvals (`tool-approval-request`),
 * results (`tool-output-available`/`-error`), a structured-output repair (`reset-step`), and
 * `finish` with the stored node ids and figures; a failure ends with an `error` chunk.
 */
export async function* toUIMessageChunks(
  parts: AsyncIterable<ConversationStreamPart>,
  { conversationId, startMetadata, prelude = [], messageId, describeError }: UIMessageChunksOptions,
): AsyncGenerator<DkUIMessageChunk, void, undefined> {
  yield { type: 'start', ...(messageId === undefined ? {} : { messageId }), messageMetadata: startMetadata };
  yield* prelude;
  let stepOpen = false;
  let textId: string | undefined;
  let textCount = 0;
  const startedInputs = new Set<string>();
  function* openStep(): Generator<DkUIMessageChunk> {
    if (!stepOpen) {
      stepOpen = true;
      yield { type: 'start-step' };
    }
  }
  function* closeText(): Generator<DkUIMessageChunk> {
    if (textId !== undefined) {
      yield { type: 'text-end', id: textId };
      textId = undefined;
    }
  }
  try {
    for await (const part of parts) {
      switch (part.type) {
        case 'text-delta':
          if (part.text === '') break;
          yield* openStep();
          if (textId === undefined) {
            textCount += 1;
            textId = `text-${textCount}`;
            yield { type: 'text-start', id: textId };
          }
          yield { type: 'text-delta', id: textId, delta: part.text };
          break;
        case 'tool-call-delta':
          yield* openStep();
          yield* closeText();
          if (!startedInputs.has(part.toolCallId)) {
            startedInputs.add(part.toolCallId);
            yield { type: 'tool-input-start', toolCallId: part.toolCallId, toolName: part.toolName };
          }
          if (part.argumentsDelta !== '')
            yield { type: 'tool-input-delta', toolCallId: part.toolCallId, inputTextDelta: part.argumentsDelta };
          break;
        case 'tool-call':
          yield* openStep();
          yield* closeText();
          yield {
            type: 'tool-input-available',
            toolCallId: part.toolCall.id,
            toolName: part.toolCall.name,
            input: part.toolCall.arguments,
          };
          break;
        case 'tool-pending':
          if (part.call.reason === 'needs-approval')
            yield { type: 'tool-approval-request', approvalId: part.call.toolCallId, toolCallId: part.call.toolCallId };
          break;
        case 'tool-result':
          yield part.isError
            ? { type: 'tool-output-error', toolCallId: part.toolCallId, errorText: String(part.output ?? 'error') }
            : { type: 'tool-output-available', toolCallId: part.toolCallId, output: part.output };
          break;
        case 'step-finish':
          yield* closeText();
          if (stepOpen) yield { type: 'finish-step' };
          stepOpen = false;
          break;
        case 'repair-start':
          // The repaired answer replaces the invalid one: drop the step's parts on the client.
          textId = undefined;
          yield { type: 'reset-step' };
          stepOpen = true;
          break;
        case 'end': {
          yield* closeText();
          if (stepOpen) yield { type: 'finish-step' };
          stepOpen = false;
          const metadata = resultMetadata(conversationId, part.result);
          yield {
            type: 'finish',
            finishReason:
              part.result.status === 'pending-tool-calls'
                ? 'tool-calls'
                : (finishReasons[part.finishReason] ?? 'other'),
            messageMetadata: metadata,
          };
          break;
        }
        default:
          break;
      }
    }
  } catch (error) {
    yield* closeText();
    const described = describeError(error);
    if (described.metadata !== undefined) yield { type: 'message-metadata', messageMetadata: described.metadata };
    yield { type: 'error', errorText: described.errorText };
  }
}
