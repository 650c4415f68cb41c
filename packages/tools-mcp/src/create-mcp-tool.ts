import type { Tool, ToolExecutionContext } from '@dk/spec';
import { approvalForTool } from './approval-for-tool.js';
import type { McpToolInfo } from './mcp-tool-info.js';
import type { McpApprovalPolicy } from './mcp-tools-settings.js';

/** Runs one call of a tool on the server and returns what the model reads. */
export type McpToolRunner = (tool: McpToolInfo, args: unknown, context: ToolExecutionContext) => Promise<unknown>;

/**
 * The dk tool for an MCP tool: its description (or title), its input schema as
 * `parameters`, `needsApproval` from the policy, and an `execute` that calls the server.
 */
export function createMcpTool(tool: McpToolInfo, policy: McpApprovalPolicy, run: McpToolRunner): Tool {
  const description = tool.description ?? tool.title;
  return Object.freeze({
    ...(description === undefined ? {} : { description }),
    parameters: tool.inputSchema,
    execute: (args: unknown, context: ToolExecutionContext) => run(tool, args, context),
    needsApproval: approvalForTool(tool, policy),
  });
}
