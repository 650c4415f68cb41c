import type { DkErrorFields } from '@dk/spec';
import { McpToolsError } from './mcp-tools-error.js';
import type { McpToolsErrorOptions } from './mcp-tools-error.js';

/**
 * The server answered a request with a JSON-RPC error (invalid parameters, an internal
 * error, a method it does not support), or with a result that does not follow the protocol.
 * A tool that ran and failed is a {@link McpToolError} instead.
 */
export class McpRequestError extends McpToolsError {
  static override readonly errorName: string = 'McpRequestError';

  /** The MCP method, e.g. `tools/call` or `tools/list`. */
  readonly method: string;
  /** The tool (as dk names it) of a `tools/call`. */
  readonly toolName: string | undefined;
  /** The JSON-RPC error code (e.g. -32602 invalid params), when the server sent one. */
  readonly rpcCode: number | undefined;

  constructor(
    options: McpToolsErrorOptions & { readonly method: string; readonly toolName?: string; readonly rpcCode?: number },
  ) {
    super({ ...options, code: 'MCP_REQUEST_FAILED' });
    this.method = options.method;
    this.toolName = options.toolName;
    this.rpcCode = options.rpcCode;
  }

  override get fields(): DkErrorFields {
    return { ...super.fields, method: this.method, toolName: this.toolName, rpcCode: this.rpcCode };
  }
}
