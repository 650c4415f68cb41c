import { ProviderError } from '@dk/spec';
import type { ProviderErrorOptions } from '@dk/spec';

/**
 * The model produced tool-call arguments that are not a JSON object. Not retryable by the
 * provider (the same request can be retried by the application).
 */
export class ToolCallArgumentsError extends ProviderError {
  static override readonly errorName: string = 'ToolCallArgumentsError';

  /** Name of the tool the model called. */
  readonly toolName: string;
  /** Id of the tool call. */
  readonly toolCallId: string;
  /** The raw argument text the model produced. */
  readonly argumentsText: string;

  constructor(
    options: ProviderErrorOptions & {
      readonly toolName: string;
      readonly toolCallId: string;
      readonly argumentsText: string;
    },
  ) {
    super({ ...options, code: 'PROVIDER_TOOL_CALL_ARGUMENTS', isRetryable: false });
    this.toolName = options.toolName;
    this.toolCallId = options.toolCallId;
    this.argumentsText = options.argumentsText;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { ...super.fields, toolName: this.toolName, toolCallId: this.toolCallId };
  }
}
