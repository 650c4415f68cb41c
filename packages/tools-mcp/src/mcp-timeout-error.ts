import type { DkErrorFields } from '@dk/spec';
import { McpToolsError } from './mcp-tools-error.js';
import type { McpToolsErrorOptions } from './mcp-tools-error.js';

/**
 * A request got no answer within its deadline (`timeoutMs` for tool calls, `connectTimeoutMs`
 * for the handshake and the first tool listing). A timed-out tool call is cancelled on the
 * server (`notifications/cancelled`).
 */
export class McpTimeoutError extends McpToolsError {
  static override readonly errorName: string = 'McpTimeoutError';

  /** The MCP method, e.g. `tools/call`, or `initialize` while connecting. */
  readonly method: string;
  readonly toolName: string | undefined;
  /** The deadline that passed, in milliseconds. */
  readonly timeoutMs: number;

  constructor(
    options: McpToolsErrorOptions & { readonly method: string; readonly toolName?: string; readonly timeoutMs: number },
  ) {
    super({ ...options, code: 'MCP_TIMEOUT' });
    this.method = options.method;
    this.toolName = options.toolName;
    this.timeoutMs = options.timeoutMs;
  }

  override get fields(): DkErrorFields {
    return { ...super.fields, method: this.method, toolName: this.toolName, timeoutMs: this.timeoutMs };
  }
}
