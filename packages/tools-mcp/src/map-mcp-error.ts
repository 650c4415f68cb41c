import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { McpConnectionClosedError } from './mcp-connection-closed-error.js';
import { McpConnectionError } from './mcp-connection-error.js';
import type { McpTransportKind } from './mcp-connection-error.js';
import { McpRequestError } from './mcp-request-error.js';
import { McpTimeoutError } from './mcp-timeout-error.js';
import { McpToolsError } from './mcp-tools-error.js';
import { redactError, redactSecrets } from './redact-secrets.js';

/** Where a failure happened, for its message and fields. */
export interface McpFailureContext {
  readonly server: string;
  readonly transport: McpTransportKind;
  /** `connect` while connecting (handshake and first listing), else `request`. */
  readonly phase: 'connect' | 'request';
  /** The MCP method, e.g. `tools/call`. */
  readonly method: string;
  /** The tool as dk names it, for `tools/call`. */
  readonly toolName?: string;
  /** The deadline of the request, in milliseconds. */
  readonly timeoutMs: number;
  /** Set once the connection is closed, by whom. */
  readonly closedBy: 'server' | 'client' | undefined;
  /** For stdio: the program, to name in messages (never its arguments). */
  readonly command?: string;
  readonly secrets: readonly string[];
}

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** The `code` of a Node system error, here or in its causes (`fetch failed` keeps it in `cause`). */
function systemCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

/** The error's message, with its innermost cause's (`fetch failed: bad port`), secrets redacted. */
function describe(error: unknown, secrets: readonly string[]): string {
  if (!(error instanceof Error)) return redactSecrets(String(error), secrets);
  let innermost: Error = error;
  for (let depth = 0; innermost.cause instanceof Error && depth < 4; depth++) innermost = innermost.cause;
  const text = innermost === error ? error.message : `${error.message}: ${innermost.message}`;
  return redactSecrets(text, secrets);
}

/** What was asked, for messages: `the call of "echo"` or `the tools/list request`. */
function subject(context: McpFailureContext): string {
  return context.toolName === undefined ? `the ${context.method} request` : `the call of "${context.toolName}"`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function transportName(transport: McpTransportKind): string {
  return transport === 'http' ? 'streamable HTTP' : 'stdio';
}

function httpFailure(status: number, context: McpFailureContext): string {
  if (status === 401 || status === 403) {
    return `answered HTTP ${status}: the credentials were refused or are missing. Check \`headers\` (e.g. \`Authorization\`)`;
  }
  if (status === 404 && context.phase === 'connect') {
    return 'answered HTTP 404: there is no MCP endpoint at this URL. Check `url` (often it ends in `/mcp`)';
  }
  if (status === 404) return 'answered HTTP 404: the session is gone (the server restarted or ended it)';
  if (status === -1) return 'answered with a content type that is not MCP';
  return `answered HTTP ${status}`;
}

function connectionFailure(error: unknown, context: McpFailureContext, status?: number): McpConnectionError {
  const code = systemCode(error);
  const where = `the MCP server "${context.server}"`;
  let detail: string;
  if (status !== undefined) detail = httpFailure(status, context);
  else if (context.transport === 'stdio' && (code === 'ENOENT' || code === 'EACCES')) {
    detail = `the command \`${context.command ?? context.server}\` could not be started (${code}). Check \`command\`: it must be installed and on PATH (no shell is used)`;
  } else if (code !== undefined && networkCodes.has(code)) {
    detail = `it could not be reached (${code}). Check \`url\` and that the server is running`;
  } else detail = describe(error, context.secrets);
  const options = {
    server: context.server,
    transport: context.transport,
    cause: redactError(error, context.secrets),
    ...(status === undefined || status < 0 ? {} : { status }),
  };
  if (context.phase === 'request' && (status === 404 || (code !== undefined && networkCodes.has(code)))) {
    return new McpConnectionClosedError({
      ...options,
      closedBy: 'server',
      ...(context.toolName === undefined ? {} : { toolName: context.toolName }),
      message: `The connection to ${where} is lost: ${detail}.`,
    });
  }
  const verb = context.phase === 'connect' ? 'Could not connect to' : 'Could not send a request to';
  return new McpConnectionError({
    ...options,
    message: `${verb} ${where} over ${transportName(context.transport)}: ${detail}.`,
  });
}

function closed(error: unknown, context: McpFailureContext): McpConnectionError {
  if (context.phase === 'connect' && context.closedBy !== 'client') {
    const hint =
      context.transport === 'stdio' ? ' Run the command by hand to see why, or pass `stderr` to see its output.' : '';
    return new McpConnectionError({
      server: context.server,
      transport: context.transport,
      cause: redactError(error, context.secrets),
      message: `The MCP server "${context.server}" closed the connection before the handshake finished (over ${transportName(context.transport)}).${hint}`,
    });
  }
  const closedBy = context.closedBy ?? 'server';
  const what = subject(context);
  return new McpConnectionClosedError({
    server: context.server,
    transport: context.transport,
    closedBy,
    cause: redactError(error, context.secrets),
    ...(context.toolName === undefined ? {} : { toolName: context.toolName }),
    message:
      closedBy === 'client'
        ? `The connection to the MCP server "${context.server}" was closed with close(), so ${what} cannot run. Connect again with connectMcpTools.`
        : `The MCP server "${context.server}" closed the connection (it exited or went away), so ${what} failed. Connect again with connectMcpTools.`,
  });
}

/**
 * The typed `@dk/tools-mcp` error for a failure of the SDK client or its transport: a closed
 * connection, a deadline, an HTTP or network failure, a JSON-RPC error answer. Messages and
 * causes never carry the secrets of `context`.
 */
export function mapMcpError(error: unknown, context: McpFailureContext): McpToolsError {
  if (McpToolsError.isInstance(error)) return error;
  if (context.closedBy !== undefined && context.phase === 'request') return closed(error, context);
  if (error instanceof McpError) {
    if (error.code === (ErrorCode.ConnectionClosed as number)) return closed(error, context);
    if (error.code === (ErrorCode.RequestTimeout as number)) {
      return new McpTimeoutError({
        server: context.server,
        method: context.method,
        timeoutMs: context.timeoutMs,
        cause: redactError(error, context.secrets),
        ...(context.toolName === undefined ? {} : { toolName: context.toolName }),
        message: `The MCP server "${context.server}" did not answer ${subject(context)} within ${context.timeoutMs} ms (raise \`${context.method === 'tools/call' ? 'timeoutMs' : 'connectTimeoutMs'}\`).`,
      });
    }
  }
  if (error instanceof StreamableHTTPError) return connectionFailure(error, context, error.code ?? -1);
  if (error instanceof UnauthorizedError) return connectionFailure(error, context, 401);
  const code = systemCode(error);
  if (context.phase === 'connect' || (code !== undefined && networkCodes.has(code))) {
    if (!(error instanceof McpError)) return connectionFailure(error, context);
  }
  return new McpRequestError({
    server: context.server,
    method: context.method,
    cause: redactError(error, context.secrets),
    ...(context.toolName === undefined ? {} : { toolName: context.toolName }),
    ...(error instanceof McpError ? { rpcCode: error.code } : {}),
    message: `${capitalize(subject(context))} to the MCP server "${context.server}" failed: ${describe(error, context.secrets)}`,
  });
}
