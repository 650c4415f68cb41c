import type { DkErrorFields } from '@dk/spec';
import { McpToolsError } from './mcp-tools-error.js';
import type { McpToolsErrorOptions } from './mcp-tools-error.js';

/** How dk talks to the server. */
export type McpTransportKind = 'stdio' | 'http';

/** Options of {@link McpConnectionError}. */
export interface McpConnectionErrorOptions extends McpToolsErrorOptions {
  readonly transport: McpTransportKind;
  /** The HTTP status the server answered with, when it answered. */
  readonly status?: number;
}

/**
 * The server could not be reached or refused the connection: the stdio command could not be
 * started or exited before the handshake, the URL did not answer, answered with an HTTP
 * error, or spoke an unsupported protocol version. Its subclass
 * {@link McpConnectionClosedError} is a connection that was open and is gone.
 */
export class McpConnectionError extends McpToolsError {
  static override readonly errorName: string = 'McpConnectionError';

  readonly transport: McpTransportKind;
  readonly status: number | undefined;

  constructor(options: McpConnectionErrorOptions & { readonly code?: string }) {
    super({ ...options, code: options.code ?? 'MCP_CONNECTION_FAILED' });
    this.transport = options.transport;
    this.status = options.status;
  }

  override get fields(): DkErrorFields {
    return { ...super.fields, transport: this.transport, status: this.status };
  }
}
