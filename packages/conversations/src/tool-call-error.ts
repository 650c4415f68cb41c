import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/**
 * A turn stopped because of its tools: a tool failed under `toolErrors: 'fail'`, or tool
 * calls failed more than `maxToolErrors` times in one turn (a model that keeps sending bad
 * arguments). The steps stored before stay in the tree.
 */
export class ToolCallError extends DkError {
  static override readonly errorName: string = 'ToolCallError';

  readonly conversationId: string;
  readonly toolCallId: string;
  readonly toolName: string;
  /** Why the last call failed: `invalid-arguments`, `unknown-tool`, `refused`, `timeout`, `error`. */
  readonly kind: string;

  constructor(options: {
    readonly conversationId: string;
    readonly toolCallId: string;
    readonly toolName: string;
    readonly kind: string;
    readonly message: string;
  }) {
    super({ message: options.message, code: 'CONVERSATION_TOOL_CALL' });
    this.conversationId = options.conversationId;
    this.toolCallId = options.toolCallId;
    this.toolName = options.toolName;
    this.kind = options.kind;
  }

  override get fields(): DkErrorFields {
    return {
      conversationId: this.conversationId,
      toolCallId: this.toolCallId,
      toolName: this.toolName,
      kind: this.kind,
    };
  }
}
