import type { JsonSchema } from '@dk/spec';

/**
 * What the server says about a tool's behaviour. These are hints from the server, not
 * guarantees: trust them only as far as you trust the server.
 */
export interface McpToolAnnotations {
  readonly title?: string;
  /** The tool does not change its environment. The MCP default is false. */
  readonly readOnlyHint?: boolean;
  /** A tool that changes things may destroy or overwrite (vs. only add). The MCP default is true. */
  readonly destructiveHint?: boolean;
  /** Calling it again with the same arguments has no further effect. The MCP default is false. */
  readonly idempotentHint?: boolean;
  /** It reaches outside systems (the web, other services). The MCP default is true. */
  readonly openWorldHint?: boolean;
}

/** One tool of the server as `@dk/tools-mcp` offers it. */
export interface McpToolInfo {
  /** The name in `tools` (the prefix and any replaced characters included): what the model calls. */
  readonly name: string;
  /** The name the server gave it (sent in `tools/call`). */
  readonly mcpName: string;
  readonly title?: string;
  readonly description?: string;
  /** JSON Schema of the arguments (an object schema), as the server sent it. */
  readonly inputSchema: JsonSchema;
  /** JSON Schema of `structuredContent`, when the server declares one. */
  readonly outputSchema?: JsonSchema;
  readonly annotations?: McpToolAnnotations;
}
