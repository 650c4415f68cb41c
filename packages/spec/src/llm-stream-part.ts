import type { ToolCall } from './llm-message.js';
import type { FinishReason, LLMResponse, Usage } from './llm-response.js';

/** A piece of generated text. */
export interface TextDeltaPart {
  readonly type: 'text-delta';
  readonly text: string;
}

/** A fragment of a tool call's JSON arguments as the model produces it. */
export interface ToolCallDeltaPart {
  readonly type: 'tool-call-delta';
  /** Position of the tool call within the response. */
  readonly index: number;
  readonly toolCallId: string;
  readonly toolName: string;
  readonly argumentsDelta: string;
}

/** A complete tool call, emitted once its arguments are fully received and parsed. */
export interface ToolCallPart {
  readonly type: 'tool-call';
  readonly toolCall: ToolCall;
}

/** The last part of every successful stream. */
export interface EndPart {
  readonly type: 'end';
  readonly finishReason: FinishReason;
  /** Same as `response.usage`: `undefined` when the vendor reported no usage (unknown, not zero). */
  readonly usage?: Usage | undefined;
  /** The assembled response: all text, tool calls, usage and metadata. */
  readonly response: LLMResponse;
}

/** What {@link LLMProvider.stream} yields, discriminated on `type`. */
export type StreamPart = TextDeltaPart | ToolCallDeltaPart | ToolCallPart | EndPart;
