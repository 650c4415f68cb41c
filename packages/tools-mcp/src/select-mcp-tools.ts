import { closestNames } from '@dk/spec';
import type { JsonSchema } from '@dk/spec';
import type { Tool as SdkTool } from '@modelcontextprotocol/sdk/types.js';
import { assignToolNames } from './assign-tool-names.js';
import { McpSettingsError } from './mcp-settings-error.js';
import type { McpToolAnnotations, McpToolInfo } from './mcp-tool-info.js';
import type { ResolvedMcpToolsSettings } from './resolve-mcp-tools-settings.js';

function toInfo(tool: SdkTool, name: string): McpToolInfo {
  const title = tool.title ?? tool.annotations?.title;
  return Object.freeze({
    name,
    mcpName: tool.name,
    ...(title === undefined ? {} : { title }),
    ...(tool.description === undefined ? {} : { description: tool.description }),
    inputSchema: tool.inputSchema as JsonSchema,
    ...(tool.outputSchema === undefined ? {} : { outputSchema: tool.outputSchema as JsonSchema }),
    ...(tool.annotations === undefined ? {} : { annotations: tool.annotations as McpToolAnnotations }),
  });
}

/** Throws when a name list of the settings names a tool the server does not have (a typo would silently change behaviour). */
function checkListedNames(
  setting: string,
  listed: readonly string[],
  tools: readonly McpToolInfo[],
  server: string,
): void {
  const known = new Set(tools.flatMap((tool) => [tool.mcpName, tool.name]));
  const missing = listed.filter((name) => !known.has(name));
  if (missing.length === 0) return;
  const described = missing.map((name) => {
    const [closest] = closestNames(name, known, 1);
    return closest === undefined ? `"${name}"` : `"${name}" (did you mean "${closest}"?)`;
  });
  throw new McpSettingsError({
    setting,
    server,
    reason: `names ${missing.length === 1 ? 'a tool' : 'tools'} the server "${server}" does not have: ${described.join(', ')}`,
    hint: `Its tools: ${tools.map((tool) => tool.mcpName).join(', ') || 'none'}.`,
  });
}

/**
 * The tools to offer from a server's listing: those callable with `tools/call` (not the
 * ones that require MCP's task-based execution), named for dk (`assignToolNames`), kept by
 * `include`. On the first listing (`strict`), the name lists of `include` and
 * `needsApproval` must name tools of the server.
 */
export function selectMcpTools(
  listed: readonly SdkTool[],
  settings: ResolvedMcpToolsSettings,
  server: string,
  strict: boolean,
): McpToolInfo[] {
  const callable = listed.filter((tool) => tool.execution?.taskSupport !== 'required');
  const names = assignToolNames(
    callable.map((tool) => tool.name),
    settings.prefix,
  );
  const seen = new Set<string>();
  const tools: McpToolInfo[] = [];
  for (const tool of callable) {
    // A server listing one name twice offers it once.
    if (seen.has(tool.name)) continue;
    seen.add(tool.name);
    tools.push(toInfo(tool, names.get(tool.name)!));
  }
  const { include, needsApproval } = settings;
  if (strict && Array.isArray(include)) checkListedNames('include', include, tools, server);
  if (strict && Array.isArray(needsApproval)) checkListedNames('needsApproval', needsApproval, tools, server);
  if (include === undefined) return tools;
  if (typeof include === 'function') return tools.filter((tool) => include(tool));
  return tools.filter((tool) => include.includes(tool.mcpName) || include.includes(tool.name));
}
