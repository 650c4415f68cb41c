import { SpanKind } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import type { CompletionOptions, LLMMessage, LLMResponse } from '@dk/spec';
import type { ConversationSession } from './conversation-session.js';
import { inputMessages, outputMessages } from './gen-ai-messages.js';

/** The `chat {model}` span of one model call and the `gen_ai.client.*` measurements it makes. */
export interface ModelCallSpan {
  /** The span's context: the provider runs inside it, so its retries (and vendor spans) nest. */
  readonly context: Context;
  readonly span: Span;
  /** Ends the span with the response's model, usage and finish reason. */
  finish(raw: LLMResponse): void;
  /** Ends the span as failed. */
  fail(error: unknown): void;
  /** Ends the span when the caller stopped reading a stream (no error). Idempotent with the others. */
  abandon(): void;
}

/** The conventions' request attributes of `options`, added to `attributes` (the span's start attributes). */
function addRequestAttributes(attributes: Attributes, options: CompletionOptions): Attributes {
  if (options.temperature !== undefined) attributes['gen_ai.request.temperature'] = options.temperature;
  if (options.maxTokens !== undefined) attributes['gen_ai.request.max_tokens'] = options.maxTokens;
  if (options.topP !== undefined) attributes['gen_ai.request.top_p'] = options.topP;
  if (options.seed !== undefined) attributes['gen_ai.request.seed'] = options.seed;
  if (options.stop !== undefined) attributes['gen_ai.request.stop_sequences'] = [...options.stop];
  return attributes;
}

/** The attributes a finished call adds to its span: response model and id, finish reason, usage. */
function responseAttributes(raw: LLMResponse): Attributes {
  const attributes: Attributes = {
    'gen_ai.response.model': raw.model,
    'gen_ai.response.finish_reasons': [raw.finishReason],
  };
  const requestId = raw.metadata['requestId'];
  if (typeof requestId === 'string') attributes['gen_ai.response.id'] = requestId;
  const attempts = raw.metadata['attempts'];
  if (typeof attempts === 'number') attributes['dk.provider.attempts'] = attempts;
  if (raw.usage !== undefined) {
    attributes['gen_ai.usage.input_tokens'] = raw.usage.promptTokens;
    attributes['gen_ai.usage.output_tokens'] = raw.usage.completionTokens;
  }
  return attributes;
}

/**
 * Starts the span of one model call of a turn (`chat {model}`, kind CLIENT) under the turn's
 * span, with the conventions' request attributes; with `recordContent`, the messages sent.
 */
export function startModelCall(
  session: ConversationSession,
  messages: readonly LLMMessage[],
  options: CompletionOptions,
  step: { readonly step: number; readonly attempt: number; readonly parentNodeId: string; readonly stream: boolean },
): ModelCallSpan {
  const telemetry = session.telemetry;
  const provider = session.llm.provider;
  const requestModel = options.model ?? session.llm.modelId;
  const started = session.now();
  // All start attributes in one object: the SDK sanitizes them in one pass.
  const { span, context } = telemetry.start(
    `chat ${requestModel}`,
    addRequestAttributes(
      {
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': provider,
        'gen_ai.request.model': requestModel,
        'gen_ai.conversation.id': session.conversationId,
        'dk.node.parent_id': step.parentNodeId,
        'dk.step': step.step,
        'dk.attempt': step.attempt,
        'dk.stream': step.stream,
      },
      options,
    ),
    session.traceContext,
    { kind: SpanKind.CLIENT },
  );
  const recording = span.isRecording();
  if (recording && telemetry.recordContent) {
    telemetry.setContent(span, 'gen_ai.input.messages', inputMessages(messages));
  }
  let ended = false;
  const measure = (raw: LLMResponse | undefined, error: unknown): void => {
    telemetry.measureModelCall({
      operation: 'chat',
      provider,
      requestModel,
      responseModel: raw?.model,
      durationMs: session.now() - started,
      inputTokens: raw?.usage?.promptTokens,
      outputTokens: raw?.usage?.completionTokens,
      error,
    });
  };
  return {
    context,
    span,
    finish(raw) {
      if (ended) return;
      ended = true;
      measure(raw, undefined);
      if (recording) {
        span.setAttributes(responseAttributes(raw));
        if (telemetry.recordContent) telemetry.setContent(span, 'gen_ai.output.messages', outputMessages(raw));
      }
      telemetry.end(span);
    },
    fail(error) {
      if (ended) return;
      ended = true;
      measure(undefined, error);
      telemetry.end(span, error);
    },
    abandon() {
      if (ended) return;
      ended = true;
      if (recording) span.setAttribute('dk.stream.stopped', true);
      telemetry.end(span);
    },
  };
}
