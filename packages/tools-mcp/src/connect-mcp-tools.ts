import { McpTools } from './mcp-tools.js';
import type { McpToolsSettings } from './mcp-tools-settings.js';

/**
 * Connects to an MCP server and returns its tools as a dk `ToolSet` (`.tools`). Nothing
 * happens before this call; `close()` the result when done.
 *
 * @example
 * const mcp = await connectMcpTools({ command: 'node', args: ['server.js'] }); // stdio
 * const remote = await connectMcpTools({ url: 'https://example.com/mcp', headers: { Authorization: `Bearer ${token}` } });
 * const manager = await ConversationManager.create({ llm, storage, tools: mcp.tools });
 * await mcp.close();
 */
export function connectMcpTools(settings: McpToolsSettings): Promise<McpTools> {
  return McpTools.connect(settings);
}
