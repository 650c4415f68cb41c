import type { DkErrorFields } from '@dk/spec';
import { McpToolsError } from './mcp-tools-error.js';

/**
 * The tool ran and reported a failure (`isError: true` in its result). The message is what the
 * tool said, so dk's tool loop hands it to the model as the tool's error result and the model
 * can correct its call.
 */
export class McpToolError extends McpToolsError {
  static override readonly errorName: string = 'McpToolError';

  /** The tool as dk names it (prefix included). */
  readonly toolName: string;
  /** The tool as the server names it. */
  readonly mcpToolName: string;
  /** The tool's error output, as text (see `mapMcpToolResult`). */
  readonly text: string;
  /** The server's result, unchanged (content blocks, `structuredContent`, `_meta`). */
  readonly result: unknown;

  constructor(options: {
    readonly server: string;
    readonly toolName: string;
    readonly mcpToolName: string;
    readonly text: string;
    readonly result: unknown;
  }) {
    super({
      message: options.text === '' ? `The tool "${options.toolName}" failed without saying why.` : options.text,
      code: 'MCP_TOOL_ERROR',
      server: options.server,
    });
    this.toolName = options.toolName;
    this.mcpToolName = options.mcpToolName;
    this.text = options.text;
    this.result = options.result;
  }

  override get fields(): DkErrorFields {
    return { ...super.fields, toolName: this.toolName, mcpToolName: this.mcpToolName };
  }
}
