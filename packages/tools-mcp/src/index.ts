export { connectMcpTools } from './connect-mcp-tools.js';
export { McpTools } from './mcp-tools.js';
export type {
  McpApprovalPolicy,
  McpHttpSettings,
  McpStdioSettings,
  McpToolProgress,
  McpToolsChange,
  McpToolsCommonSettings,
  McpToolsSettings,
} from './mcp-tools-settings.js';
export type { McpToolAnnotations, McpToolInfo } from './mcp-tool-info.js';
export type {
  McpCallToolResult,
  McpContentBlock,
  McpEmbeddedResourceContent,
  McpMediaContent,
  McpResourceLinkContent,
  McpTextContent,
} from './mcp-call-tool-result.js';
export { mapMcpToolResult } from './map-mcp-tool-result.js';

export { McpToolsError } from './mcp-tools-error.js';
export type { McpToolsErrorOptions } from './mcp-tools-error.js';
export { McpSettingsError } from './mcp-settings-error.js';
export { McpConnectionError } from './mcp-connection-error.js';
export type { McpConnectionErrorOptions, McpTransportKind } from './mcp-connection-error.js';
export { McpConnectionClosedError } from './mcp-connection-closed-error.js';
export { McpRequestError } from './mcp-request-error.js';
export { McpTimeoutError } from './mcp-timeout-error.js';
export { McpToolError } from './mcp-tool-error.js';
