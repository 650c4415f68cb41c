/** Who wrote a message. */
export type MessageRole = 'system' | 'user' | 'assistant' | 'tool';

/** A tool invocation requested by the model. */
export interface ToolCall {
  /** Provider-assigned id; a `tool` message answers it through `toolCallId`. */
  readonly id: string;
  /** Name of the tool, as declared in {@link ToolDefinition.name}. */
  readonly name: string;
  /** Arguments, parsed from the model's JSON. */
  readonly arguments: Readonly<Record<string, unknown>>;
}

/** One message sent to or received from a model. */
export interface LLMMessage {
  readonly role: MessageRole;
  readonly content: string;
  /** Optional author name (OpenAI `name`). */
  readonly name?: string;
  /** For `role: 'tool'`: the id of the tool call this message answers. */
  readonly toolCallId?: string;
  /**
   * For `role: 'tool'`: the result is an error (the tool threw, timed out, or its arguments
   * were invalid). Vendors with an error flag get it (Anthropic `tool_result.is_error`);
   * for the others the content carries the error text.
   */
  readonly isError?: boolean;
  /** For `role: 'assistant'`: the tool calls the model made. */
  readonly toolCalls?: readonly ToolCall[];
  /** Application data carried with the message; never sent to the vendor. */
  readonly metadata?: Readonly<Record<string, unknown>>;
}
