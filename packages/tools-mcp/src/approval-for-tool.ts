import type { Tool } from '@dk/spec';
import type { McpToolInfo } from './mcp-tool-info.js';
import type { McpApprovalPolicy } from './mcp-tools-settings.js';

/** A tool's `needsApproval` under a policy: fixed for the tool, or a function of the call's arguments. */
export function approvalForTool(tool: McpToolInfo, policy: McpApprovalPolicy): NonNullable<Tool['needsApproval']> {
  if (typeof policy === 'boolean') return policy;
  if (policy === 'unless-read-only') return tool.annotations?.readOnlyHint !== true;
  if (typeof policy === 'function') return (args: unknown) => policy(tool, args);
  return policy.includes(tool.mcpName) || policy.includes(tool.name);
}
