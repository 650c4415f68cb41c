import type { DkErrorFields } from '@dk/spec';
import { McpConnectionError } from './mcp-connection-error.js';
import type { McpConnectionErrorOptions } from './mcp-connection-error.js';

/**
 * The connection is closed: the server exited or became unreachable (`closedBy: 'server'`),
 * or `close()` was called (`closedBy: 'client'`). Calls in flight and every later call fail
 * with it; connect again with `connectMcpTools` to go on.
 */
export class McpConnectionClosedError extends McpConnectionError {
  static override readonly errorName: string = 'McpConnectionClosedError';

  readonly closedBy: 'server' | 'client';
  /** The tool whose call failed, when the error comes from a call. */
  readonly toolName: string | undefined;

  constructor(
    options: McpConnectionErrorOptions & { readonly closedBy: 'server' | 'client'; readonly toolName?: string },
  ) {
    super({ ...options, code: 'MCP_CONNECTION_CLOSED' });
    this.closedBy = options.closedBy;
    this.toolName = options.toolName;
  }

  override get fields(): DkErrorFields {
    return { ...super.fields, closedBy: this.closedBy, toolName: this.toolName };
  }
}
