import type { RagRunView, UsageView } from './node-view.js';

/** Where a UI message sits in the dk tree, and what the library recorded for it. */
export interface DkMessageMetadata {
  readonly conversationId: string;
  /** The last dk node the message covers (the user node; the final assistant or tool node). */
  readonly nodeId?: string;
  /** Every dk node the message covers, in order (an assistant turn: its steps and tool results). */
  readonly nodeIds?: readonly string[];
  /** The parent of the message's first node. */
  readonly parentNodeId?: string | null;
  /** The alternatives at the message's first node (siblings of the same role), for a `‹ n/m ›` switcher. */
  readonly siblings?: { readonly ids: readonly string[]; readonly index: number };
  readonly createdAt?: string;
  /** A partial answer kept from a stopped or failed stream. */
  readonly interrupted?: boolean;
  /** How the turn ended. */
  readonly status?: 'complete' | 'pending-tool-calls' | 'max-steps';
  readonly model?: string;
  readonly provider?: string;
  readonly finishReason?: string;
  /** Summed over the turn's model calls; `null` when a provider did not report usage. */
  readonly usage?: UsageView | null;
  /** Summed cost in US dollars; `null` when a call was unpriced. */
  readonly costUsd?: number | null;
  /** Summed latency of the turn's model calls, in milliseconds. */
  readonly latencyMs?: number | null;
  /** Model calls in the turn. */
  readonly modelCalls?: number;
  /** RAG searches of a user message rendered through a prompt. */
  readonly rag?: readonly RagRunView[];
  /** The OpenTelemetry trace the message was written in (node `metadata.trace`), when one was recorded. */
  readonly traceId?: string;
}

/** A text part of a UI message. */
export interface TextUIPart {
  readonly type: 'text';
  readonly text: string;
  readonly state?: 'streaming' | 'done';
}

/** A tool call part (`tool-<name>`), in the AI SDK's states. */
export interface ToolUIPart {
  readonly type: `tool-${string}`;
  readonly toolCallId: string;
  readonly state:
    | 'input-streaming'
    | 'input-available'
    | 'approval-requested'
    | 'approval-responded'
    | 'output-available'
    | 'output-error'
    | 'output-denied';
  readonly input: unknown;
  readonly output?: unknown;
  readonly errorText?: string;
  readonly approval?: { readonly id: string; readonly approved?: boolean; readonly reason?: string };
}

/** The start of a step. */
export interface StepStartUIPart {
  readonly type: 'step-start';
}

/** A message as the AI SDK's `useChat` holds it (the parts dk produces). */
export interface DkUIMessage {
  readonly id: string;
  readonly role: 'system' | 'user' | 'assistant';
  readonly metadata?: DkMessageMetadata;
  readonly parts: readonly (TextUIPart | ToolUIPart | StepStartUIPart)[];
}

/** The chunks of the AI SDK UI message stream protocol that dk sends. */
export type DkUIMessageChunk =
  | { readonly type: 'start'; readonly messageId?: string; readonly messageMetadata?: DkMessageMetadata }
  | { readonly type: 'start-step' }
  | { readonly type: 'finish-step' }
  | { readonly type: 'reset-step' }
  | { readonly type: 'text-start'; readonly id: string }
  | { readonly type: 'text-delta'; readonly id: string; readonly delta: string }
  | { readonly type: 'text-end'; readonly id: string }
  | { readonly type: 'tool-input-start'; readonly toolCallId: string; readonly toolName: string }
  | { readonly type: 'tool-input-delta'; readonly toolCallId: string; readonly inputTextDelta: string }
  | {
      readonly type: 'tool-input-available';
      readonly toolCallId: string;
      readonly toolName: string;
      readonly input: unknown;
    }
  | { readonly type: 'tool-approval-request'; readonly approvalId: string; readonly toolCallId: string }
  | { readonly type: 'tool-output-available'; readonly toolCallId: string; readonly output: unknown }
  | { readonly type: 'tool-output-error'; readonly toolCallId: string; readonly errorText: string }
  | { readonly type: 'tool-output-denied'; readonly toolCallId: string }
  | { readonly type: 'message-metadata'; readonly messageMetadata: DkMessageMetadata }
  | {
      readonly type: 'finish';
      readonly finishReason?: 'stop' | 'length' | 'content-filter' | 'tool-calls' | 'error' | 'interrupted' | 'other';
      readonly messageMetadata?: DkMessageMetadata;
    }
  | { readonly type: 'abort'; readonly reason?: string }
  | { readonly type: 'error'; readonly errorText: string };

/** Response headers of a UI message stream, as the AI SDK sends them. */
export const uiMessageStreamHeaders: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
};
