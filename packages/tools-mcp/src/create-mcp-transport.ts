import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { McpEndpoint } from './resolve-mcp-tools-settings.js';

/**
 * The SDK transport for an endpoint, not started: a child process spoken to over
 * stdin/stdout (its environment is the SDK's safe default plus `env`), or streamable HTTP
 * with `headers` on every request.
 */
export function createMcpTransport(endpoint: McpEndpoint): Transport {
  if (endpoint.kind === 'http') {
    return new StreamableHTTPClientTransport(endpoint.url, {
      requestInit: { headers: { ...endpoint.headers } },
      ...(endpoint.fetch === undefined ? {} : { fetch: endpoint.fetch }),
    });
  }
  const { stderr } = endpoint;
  const transport = new StdioClientTransport({
    command: endpoint.command,
    args: [...endpoint.args],
    env: { ...endpoint.env },
    stderr: typeof stderr === 'function' ? 'pipe' : stderr,
    ...(endpoint.cwd === undefined ? {} : { cwd: endpoint.cwd }),
  });
  // The SDK hands out the piped stream before start, so no early output is lost.
  if (typeof stderr === 'function') transport.stderr?.on('data', (chunk: Buffer) => stderr(chunk.toString('utf8')));
  return transport;
}
