import type { Tool, ToolExecutionContext, ToolSet } from '@dk/spec';
import { createMcpTool } from './create-mcp-tool.js';
import { contentToText, mapMcpToolResult } from './map-mcp-tool-result.js';
import { McpConnection } from './mcp-connection.js';
import type { McpToolInfo } from './mcp-tool-info.js';
import { McpRequestError } from './mcp-request-error.js';
import { McpToolError } from './mcp-tool-error.js';
import { McpToolsError } from './mcp-tools-error.js';
import type { McpToolsChange, McpToolsSettings } from './mcp-tools-settings.js';
import { resolveMcpToolsSettings } from './resolve-mcp-tools-settings.js';
import type { ResolvedMcpToolsSettings } from './resolve-mcp-tools-settings.js';
import { selectMcpTools } from './select-mcp-tools.js';

const noChange: McpToolsChange = Object.freeze({ added: [], removed: [], updated: [] });

/**
 * The tools of one MCP server as a dk `ToolSet`, over a connection made by
 * {@link connectMcpTools} (or `McpTools.connect`). Pass `tools` to a `ConversationManager`
 * (`create`, `resume` or a call); `close()` when done.
 *
 * `tools` is live: when the server's tool list changes (`notifications/tools/list_changed`,
 * re-listed automatically unless `autoRefresh: false`, or `refresh()`), the same object
 * gains and loses tools, so a manager holding it offers the new list from its next turn.
 * Spread it (`{ ...mcp.tools }`) for a fixed copy, or to merge several servers.
 */
export class McpTools {
  /** The tools by the name the model calls them with (the prefix included). */
  readonly tools: ToolSet;
  readonly #tools: Record<string, Tool>;
  readonly #connection: McpConnection;
  readonly #settings: ResolvedMcpToolsSettings;
  #infos = new Map<string, McpToolInfo>();
  #stale = false;
  #running: Promise<McpToolsChange> | undefined;
  #queued: Promise<McpToolsChange> | undefined;

  private constructor(connection: McpConnection, settings: ResolvedMcpToolsSettings) {
    this.#connection = connection;
    this.#settings = settings;
    // No prototype: a tool named `__proto__` or `constructor` is an ordinary entry.
    this.#tools = Object.create(null) as Record<string, Tool>;
    this.tools = this.#tools;
  }

  /**
   * Connects (starts the stdio server or opens the HTTP session), performs the MCP handshake
   * and lists the tools. Throws `InvalidOptionsError` / `McpSettingsError` for bad settings,
   * `McpConnectionError` when the server cannot be reached, `McpTimeoutError` when it does
   * not answer within `connectTimeoutMs`.
   */
  static async connect(settings: McpToolsSettings): Promise<McpTools> {
    const resolved = resolveMcpToolsSettings(settings);
    // A change announced before the instance exists precedes the first listing, which sees it.
    const owner: { instance?: McpTools } = {};
    const connection = await McpConnection.open(resolved, {
      onToolListChanged: () => {
        if (owner.instance !== undefined) owner.instance.#handleListChanged();
      },
      onLost: (error) => resolved.onError?.(error),
    });
    const instance = new McpTools(connection, resolved);
    owner.instance = instance;
    try {
      await instance.#enqueueRefresh(true);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return instance;
  }

  /** The label errors use: the `name` setting, else the server's reported name, else its command or URL. */
  get server(): string {
    return this.#connection.server;
  }

  /** The server's name, version and title from the handshake. */
  get serverInfo(): { readonly name: string; readonly version: string; readonly title?: string } | undefined {
    return this.#connection.serverInfo;
  }

  /** Instructions the server gives for using its tools (worth adding to a system prompt), if any. */
  get instructions(): string | undefined {
    return this.#connection.instructions;
  }

  /** The stdio server's process id while it runs; `undefined` over HTTP. */
  get pid(): number | undefined {
    return this.#connection.pid;
  }

  /** False once the connection is closed, by `close()` or because the server went away. */
  get connected(): boolean {
    return this.#connection.closedBy === undefined;
  }

  /** True when the server announced a changed tool list that `tools` does not have yet. */
  get stale(): boolean {
    return this.#stale;
  }

  /** What is known about each offered tool (names, schemas, annotations), in the server's order. */
  describeTools(): readonly McpToolInfo[] {
    return [...this.#infos.values()];
  }

  /**
   * Lists the server's tools again and updates `tools` in place. Concurrent calls share one
   * listing; a call made during a listing waits for the next one, so what it returns is
   * never older than the call.
   */
  refresh(): Promise<McpToolsChange> {
    return this.#enqueueRefresh(false);
  }

  /**
   * Closes the connection: ends the HTTP session, or ends the stdio server's input and stops
   * the process (SIGTERM, then SIGKILL, if it stays). Idempotent; calls of `tools` fail
   * afterwards with `McpConnectionClosedError` (`closedBy: 'client'`).
   */
  close(): Promise<void> {
    return this.#connection.close();
  }

  #enqueueRefresh(initial: boolean): Promise<McpToolsChange> {
    if (this.#queued !== undefined) return this.#queued;
    const previous = this.#running ?? Promise.resolve(noChange);
    const next: Promise<McpToolsChange> = previous
      .catch(() => noChange)
      .then(() => {
        this.#queued = undefined;
        this.#running = next;
        return this.#listAndApply(initial);
      })
      .finally(() => {
        if (this.#running === next) this.#running = undefined;
      });
    this.#queued = next;
    return next;
  }

  #handleListChanged(): void {
    if (!this.connected) return;
    this.#stale = true;
    if (!this.#settings.autoRefresh) return;
    this.refresh().catch((error: unknown) => {
      // After close() the failure is expected and nobody is interested.
      if (this.#connection.closedBy === 'client') return;
      this.#settings.onError?.(
        McpToolsError.isInstance(error)
          ? error
          : new McpRequestError({
              server: this.server,
              method: 'tools/list',
              cause: error,
              message: `Refreshing the tools of the MCP server "${this.server}" failed: ${error instanceof Error ? error.message : String(error)}`,
            }),
      );
    });
  }

  async #listAndApply(initial: boolean): Promise<McpToolsChange> {
    this.#stale = false;
    const listed = await this.#connection.listTools(initial ? 'connect' : 'request');
    const infos = selectMcpTools(listed, this.#settings, this.server, initial);
    const change = this.#apply(infos);
    const changed = change.added.length + change.removed.length + change.updated.length > 0;
    if (!initial && changed) this.#settings.onToolsChanged?.(change);
    return change;
  }

  #apply(infos: readonly McpToolInfo[]): McpToolsChange {
    const next = new Map(infos.map((info) => [info.name, info]));
    const added: string[] = [];
    const updated: string[] = [];
    const removed = [...this.#infos.keys()].filter((name) => !next.has(name));
    for (const name of removed) delete this.#tools[name];
    for (const info of infos) {
      const previous = this.#infos.get(info.name);
      if (previous !== undefined && JSON.stringify(previous) === JSON.stringify(info)) continue;
      (previous === undefined ? added : updated).push(info.name);
      this.#tools[info.name] = createMcpTool(info, this.#settings.needsApproval, (tool, args, context) =>
        this.#run(tool, args, context),
      );
    }
    this.#infos = next;
    return { added, removed, updated };
  }

  async #run(tool: McpToolInfo, args: unknown, context: ToolExecutionContext | undefined): Promise<unknown> {
    const { onProgress, mapResult } = this.#settings;
    const toolCallId = context?.toolCallId ?? '';
    const result = await this.#connection.callTool({
      mcpName: tool.mcpName,
      toolName: tool.name,
      args,
      ...(context?.signal === undefined ? {} : { signal: context.signal }),
      ...(onProgress === undefined
        ? {}
        : { onProgress: (report) => onProgress({ toolName: tool.name, toolCallId, ...report }) }),
    });
    if (result.isError === true) {
      const text =
        result.content.length > 0 || result.structuredContent === undefined
          ? contentToText(result.content)
          : JSON.stringify(result.structuredContent);
      throw new McpToolError({ server: this.server, toolName: tool.name, mcpToolName: tool.mcpName, text, result });
    }
    return (mapResult ?? mapMcpToolResult)(result, tool);
  }
}
