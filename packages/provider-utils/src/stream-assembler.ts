import { DkError } from '@dk/spec';
import type {
  EndPart,
  FinishReason,
  LLMResponse,
  ProviderWarning,
  ResponseFormat,
  StreamPart,
  TextDeltaPart,
  ToolCall,
  ToolCallDeltaPart,
  ToolCallPart,
  Usage,
} from '@dk/spec';
import { createInvalidResponseError } from './create-invalid-response-error.js';
import { parseResponseOutput } from './parse-response-output.js';
import { parseToolCallArguments } from './parse-tool-call-arguments.js';

/** Settings of a {@link StreamAssembler}. */
export interface StreamAssemblerOptions {
  /** Provider id, put in errors and in `response.metadata.provider`. */
  readonly provider: string;
  /** Model reported in the response unless the stream names one ({@link StreamAssembler.setModel}). */
  readonly model: string;
  /**
   * The call's response format: the final text is parsed (and validated) into
   * `response.parsed`, unless the stream ended with tool calls (see {@link parseResponseOutput}).
   */
  readonly responseFormat?: ResponseFormat | undefined;
  /** The vendor's request id, put in the `InvalidResponseError` of a tool call that never got a name. */
  readonly requestId?: string | undefined;
}

/** A tool-call fragment as vendors stream it: the first fragment of an index names the call. */
export interface ToolCallDeltaInput {
  /** Position of the tool call in the response (OpenAI `index`, Anthropic content block index). */
  readonly index: number;
  /** The call id; needed once per index (a generated `call_<index>` is used when never given). */
  readonly id?: string | undefined;
  /** The tool name; needed once per index (a call never named is an `InvalidResponseError`). */
  readonly name?: string | undefined;
  /** The next piece of the JSON argument text (may be empty). */
  readonly argumentsDelta?: string | undefined;
}

/** How the stream ended, for {@link StreamAssembler.finish}. */
export interface StreamFinishInput {
  readonly finishReason: FinishReason;
  /** Token counts; `undefined` when the vendor did not report them (unknown, never zeros). */
  readonly usage?: Usage | undefined;
  /** Extra response metadata (`requestId`, `rawFinishReason`, …); `provider` is added. */
  readonly metadata?: Readonly<Record<string, unknown>> | undefined;
  readonly warnings?: readonly ProviderWarning[] | undefined;
}

interface PendingToolCall {
  id: string | undefined;
  name: string | undefined;
  argumentsText: string;
  done: ToolCall | undefined;
}

/**
 * Turns a vendor's streamed text and tool-call fragments into dk stream parts and, at the end,
 * the assembled `LLMResponse`, so that `stream()` and `complete()` give identical results.
 *
 * @example
 * const assembler = new StreamAssembler({ provider: 'openai', model, responseFormat: options.responseFormat });
 * for await (const chunk of vendorStream) {
 *   const text = assembler.text(chunk.delta.content ?? '');
 *   if (text) yield text;
 *   for (const call of chunk.delta.tool_calls ?? [])
 *     yield assembler.toolCallDelta({ index: call.index, id: call.id, name: call.function?.name, argumentsDelta: call.function?.arguments });
 * }
 * yield* assembler.finish({ finishReason, usage });
 */
export class StreamAssembler {
  readonly #options: StreamAssemblerOptions;
  #content = '';
  #model: string;
  readonly #toolCalls = new Map<number, PendingToolCall>();
  #finished = false;

  constructor(options: StreamAssemblerOptions) {
    this.#options = options;
    this.#model = options.model;
  }

  /** The text received so far. */
  get content(): string {
    return this.#content;
  }

  /** Records the model the vendor reports (it may differ from the requested alias). */
  setModel(model: string | undefined | null): void {
    if (typeof model === 'string' && model !== '') this.#model = model;
  }

  /** Appends text; returns the `text-delta` part to yield, or `undefined` for empty text. */
  text(delta: string): TextDeltaPart | undefined {
    if (delta === '') return undefined;
    this.#content += delta;
    return { type: 'text-delta', text: delta };
  }

  /** Appends a tool-call fragment; returns the `tool-call-delta` part to yield. */
  toolCallDelta({ index, id, name, argumentsDelta = '' }: ToolCallDeltaInput): ToolCallDeltaPart {
    let pending = this.#toolCalls.get(index);
    if (pending === undefined) {
      pending = { id: undefined, name: undefined, argumentsText: '', done: undefined };
      this.#toolCalls.set(index, pending);
    }
    if (typeof id === 'string' && id !== '') pending.id ??= id;
    if (typeof name === 'string' && name !== '') pending.name ??= name;
    pending.argumentsText += argumentsDelta;
    return {
      type: 'tool-call-delta',
      index,
      toolCallId: pending.id ?? `call_${index}`,
      toolName: pending.name ?? '',
      argumentsDelta,
    };
  }

  /**
   * Finishes the tool call at `index` (e.g. on Anthropic's `content_block_stop`): parses its
   * arguments and returns the `tool-call` part, or `undefined` if there is no such pending call
   * or it was already finished. Throws `ToolCallArgumentsError` for arguments that are not a JSON
   * object, and a retryable `InvalidResponseError` for a call whose fragments never named the tool.
   */
  completeToolCall(index: number): ToolCallPart | undefined {
    const pending = this.#toolCalls.get(index);
    if (pending === undefined || pending.done !== undefined) return undefined;
    const id = pending.id ?? `call_${index}`;
    const name = pending.name;
    if (name === undefined) {
      throw createInvalidResponseError({
        provider: this.#options.provider,
        problem: `tool call ${index} (${id}) ended without a tool name`,
        requestId: this.#options.requestId,
      });
    }
    pending.done = {
      id,
      name,
      arguments: parseToolCallArguments(pending.argumentsText, {
        provider: this.#options.provider,
        toolName: name,
        toolCallId: id,
      }),
    };
    return { type: 'tool-call', toolCall: pending.done };
  }

  /** Adds a tool call that arrived whole; returns the `tool-call` part to yield. */
  addToolCall(toolCall: ToolCall): ToolCallPart {
    let index = this.#toolCalls.size;
    while (this.#toolCalls.has(index)) index += 1;
    this.#toolCalls.set(index, { id: toolCall.id, name: toolCall.name, argumentsText: '', done: toolCall });
    return { type: 'tool-call', toolCall };
  }

  /**
   * Ends the stream: returns the `tool-call` parts of every unfinished tool call (in index
   * order) followed by the `end` part carrying the assembled response. With a JSON
   * `responseFormat` the text is parsed into `response.parsed` and a mismatch throws
   * `StructuredOutputError`, except when the stream ended with tool calls (any tool call, or
   * finish reason `tool_calls`): then there is no structured answer yet and nothing is parsed.
   * Call it once.
   */
  finish({ finishReason, usage, metadata = {}, warnings = [] }: StreamFinishInput): StreamPart[] {
    if (this.#finished) {
      throw new DkError({
        code: 'STREAM_ASSEMBLER_FINISHED',
        message: 'StreamAssembler.finish() was called twice; create one assembler per stream.',
      });
    }
    this.#finished = true;
    const parts: StreamPart[] = [];
    const indexes = [...this.#toolCalls.keys()].sort((left, right) => left - right);
    for (const index of indexes) {
      const part = this.completeToolCall(index);
      if (part !== undefined) parts.push(part);
    }
    const toolCalls = indexes
      .map((index) => this.#toolCalls.get(index)?.done)
      .filter((call): call is ToolCall => call !== undefined);
    const parsed = parseResponseOutput(
      { content: this.#content, finishReason, toolCalls },
      this.#options.responseFormat,
      this.#options.provider,
    );
    const response: LLMResponse = {
      content: this.#content,
      model: this.#model,
      finishReason,
      usage,
      ...(toolCalls.length > 0 ? { toolCalls } : {}),
      ...(parsed !== undefined ? { parsed } : {}),
      metadata: { provider: this.#options.provider, ...metadata },
      warnings,
    };
    const end: EndPart = { type: 'end', finishReason, usage, response };
    parts.push(end);
    return parts;
  }
}
