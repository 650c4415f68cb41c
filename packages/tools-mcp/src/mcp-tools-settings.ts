import type { McpCallToolResult } from './mcp-call-tool-result.js';
import type { McpToolInfo } from './mcp-tool-info.js';
import type { McpToolsError } from './mcp-tools-error.js';

/**
 * Which calls wait for `approveToolCall` before they run (dk's tool loop ends the turn with
 * them pending):
 * - `'unless-read-only'` (default): every tool except those the server annotates
 *   `readOnlyHint: true`; unannotated tools count as possibly destructive, as the MCP
 *   specification's defaults say;
 * - `true` / `false`: every tool / none;
 * - a list of tool names (the server's or the prefixed ones): those tools;
 * - a function of the tool and the call's arguments.
 */
export type McpApprovalPolicy =
  boolean | 'unless-read-only' | readonly string[] | ((tool: McpToolInfo, args: unknown) => boolean | Promise<boolean>);

/** What a refresh changed in `tools` (names as in `tools`). */
export interface McpToolsChange {
  readonly added: readonly string[];
  readonly removed: readonly string[];
  /** Tools whose description, schema or annotations changed. */
  readonly updated: readonly string[];
}

/** A progress report of a running tool call (`notifications/progress`). */
export interface McpToolProgress {
  /** The tool as named in `tools`. */
  readonly toolName: string;
  /** The model's id of the call. */
  readonly toolCallId: string;
  readonly progress: number;
  readonly total?: number;
  readonly message?: string;
}

/** Settings every transport shares. */
export interface McpToolsCommonSettings {
  /** A label for errors (e.g. `github`). Default: the name the server reports, else the command or URL. */
  readonly name?: string;
  /**
   * Put before every tool name, e.g. `github_`, so tools of several servers do not collide.
   * Letters, digits, `_` and `-`, at most 48 characters. Default none.
   */
  readonly prefix?: string;
  /** The tools to offer: a list of names (the server's or the prefixed ones), or a test. Default all. */
  readonly include?: readonly string[] | ((tool: McpToolInfo) => boolean);
  /** Which calls need approval. Default `'unless-read-only'` (see {@link McpApprovalPolicy}). */
  readonly needsApproval?: McpApprovalPolicy;
  /**
   * Turns a successful result into what `execute` returns (and dk sends to the model: strings
   * as they are, anything else as JSON). Default {@link mapMcpToolResult}.
   */
  readonly mapResult?: (result: McpCallToolResult, tool: McpToolInfo) => unknown;
  /** Deadline of one tool call in milliseconds; progress reports restart it. Default 60 000. */
  readonly timeoutMs?: number;
  /** Deadline of the handshake and of each tool listing, in milliseconds. Default 30 000. */
  readonly connectTimeoutMs?: number;
  /**
   * Re-list the tools when the server announces a change (`notifications/tools/list_changed`).
   * With false, `stale` becomes true and `refresh()` is yours to call. Default true.
   */
  readonly autoRefresh?: boolean;
  /** Called after a refresh changed `tools`. */
  readonly onToolsChanged?: (change: McpToolsChange) => void;
  /** Called with the progress reports of running calls; asking for them lets long calls outlive `timeoutMs`. */
  readonly onProgress?: (progress: McpToolProgress) => void;
  /** Called with failures nobody awaits: the server exiting or becoming unreachable, a failed automatic refresh. */
  readonly onError?: (error: McpToolsError) => void;
  /** How this client introduces itself in the handshake. Default `{ name: '@dk/tools-mcp', version: <package version> }`. */
  readonly clientInfo?: { readonly name: string; readonly version: string };
}

/** A server started as a child process, spoken to over its stdin/stdout. */
export interface McpStdioSettings extends McpToolsCommonSettings {
  /** The program, e.g. `node` or `uvx`. Started without a shell. */
  readonly command: string;
  readonly args?: readonly string[];
  /**
   * Environment variables for the server (API keys go here). Added to a small safe default
   * (`HOME`, `PATH`, `USER`, …), not to this process's whole environment. Never shown in errors.
   */
  readonly env?: Readonly<Record<string, string>>;
  /** Working directory of the server. Default this process's. */
  readonly cwd?: string;
  /** Where the server's stderr goes: this process's stderr (default), nowhere, or a function of each chunk. */
  readonly stderr?: 'inherit' | 'ignore' | ((text: string) => void);
  readonly url?: never;
}

/** A server reached over MCP's streamable HTTP transport. */
export interface McpHttpSettings extends McpToolsCommonSettings {
  /** The MCP endpoint, e.g. `https://example.com/mcp`. */
  readonly url: string | URL;
  /** Headers sent with every request, e.g. `{ Authorization: 'Bearer …' }`. Never shown in errors. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The `fetch` to use (a proxy, a test server). Default `globalThis.fetch`. */
  readonly fetch?: typeof globalThis.fetch;
  readonly command?: never;
}

/** Settings of `connectMcpTools`: a `command` (stdio) or a `url` (streamable HTTP). */
export type McpToolsSettings = McpStdioSettings | McpHttpSettings;
