import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ErrorCode, McpError, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { Tool as SdkTool } from '@modelcontextprotocol/sdk/types.js';
import { createMcpTransport } from './create-mcp-transport.js';
import { clientVersion } from './client-version.js';
import type { McpCallToolResult } from './mcp-call-tool-result.js';
import { McpConnectionClosedError } from './mcp-connection-closed-error.js';
import { McpConnectionError } from './mcp-connection-error.js';
import { McpRequestError } from './mcp-request-error.js';
import type { McpToolsError } from './mcp-tools-error.js';
import { mapMcpError } from './map-mcp-error.js';
import type { McpFailureContext } from './map-mcp-error.js';
import type { ResolvedMcpToolsSettings } from './resolve-mcp-tools-settings.js';

/** What the connection reports to its owner. */
export interface McpConnectionEvents {
  /** The server announced `notifications/tools/list_changed`. */
  readonly onToolListChanged: () => void;
  /** The open connection was lost (the process exited, the server became unreachable). */
  readonly onLost: (error: McpToolsError) => void;
}

/** One `tools/call` as the owner asks for it. */
export interface McpCallRequest {
  readonly mcpName: string;
  /** The dk name, for errors. */
  readonly toolName: string;
  readonly args: unknown;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

/** How long a clean HTTP session end (DELETE) may take before the connection is dropped anyway. */
const sessionEndMs = 2_000;
/** Deadline of the ping that tells a transport hiccup from a dead server. */
const healthCheckMs = 5_000;
/** Longer than the SDK's stdio shutdown (2 s for the process to leave, 2 s after SIGTERM, then SIGKILL). */
const processExitMs = 6_000;

function delay(milliseconds: number): { promise: Promise<void>; cancel: () => void } {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<void>((resolve) => (timer = setTimeout(resolve, milliseconds).unref()));
  return { promise, cancel: () => clearTimeout(timer) };
}

/**
 * One connection to an MCP server through the official SDK client: the handshake, paged
 * tool listings, tool calls with deadlines and cancellation, and the end of the connection
 * — asked for (`close`), or noticed (the stdio process exits; for HTTP, a transport error
 * followed by a failed ping). Every failure comes out as a typed `@dk/tools-mcp` error.
 */
export class McpConnection {
  readonly #client: Client;
  readonly #transport: Transport;
  readonly #settings: ResolvedMcpToolsSettings;
  readonly #events: McpConnectionEvents;
  #opened = false;
  #closedBy: 'server' | 'client' | undefined;
  #closing: Promise<void> | undefined;
  #checkingHealth = false;
  /** Settles when the transport is closed: for stdio, when the process has exited. */
  readonly #transportClosed: Promise<void>;

  private constructor(settings: ResolvedMcpToolsSettings, events: McpConnectionEvents) {
    this.#settings = settings;
    this.#events = events;
    this.#transport = createMcpTransport(settings.endpoint);
    this.#client = new Client(settings.clientInfo ?? { name: '@dk/tools-mcp', version: clientVersion() });
    this.#client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
      if (this.#closedBy === undefined) this.#events.onToolListChanged();
    });
    let markClosed!: () => void;
    this.#transportClosed = new Promise((resolve) => (markClosed = resolve));
    this.#client.onclose = () => {
      markClosed();
      this.#handleClose();
    };
    this.#client.onerror = () => this.#checkHealth();
  }

  /** Starts the transport and performs the MCP handshake within `connectTimeoutMs`. */
  static async open(settings: ResolvedMcpToolsSettings, events: McpConnectionEvents): Promise<McpConnection> {
    const connection = new McpConnection(settings, events);
    try {
      await connection.#client.connect(connection.#transport, { timeout: settings.connectTimeoutMs });
    } catch (error) {
      const failure = mapMcpError(error, connection.#context('connect', 'initialize'));
      await connection.close();
      throw failure;
    }
    if (connection.#client.getServerCapabilities()?.tools === undefined) {
      await connection.close();
      throw new McpConnectionError({
        server: connection.server,
        transport: settings.endpoint.kind,
        message: `The MCP server "${connection.server}" offers no tools (it does not declare the \`tools\` capability).`,
      });
    }
    connection.#opened = true;
    return connection;
  }

  /** The label for errors: the `name` setting, else the name the server reported, else the command or URL. */
  get server(): string {
    return this.#settings.name ?? this.#client.getServerVersion()?.name ?? this.#settings.label;
  }

  /** The server's name, version and title from the handshake. */
  get serverInfo(): { readonly name: string; readonly version: string; readonly title?: string } | undefined {
    const info = this.#client.getServerVersion();
    if (info === undefined) return undefined;
    return { name: info.name, version: info.version, ...(info.title === undefined ? {} : { title: info.title }) };
  }

  /** The server's instructions for the model, if it gave any. */
  get instructions(): string | undefined {
    return this.#client.getInstructions();
  }

  /** The stdio server's process id while it runs. */
  get pid(): number | undefined {
    return this.#transport instanceof StdioClientTransport ? (this.#transport.pid ?? undefined) : undefined;
  }

  get closedBy(): 'server' | 'client' | undefined {
    return this.#closedBy;
  }

  #context(phase: 'connect' | 'request', method: string, toolName?: string): McpFailureContext {
    const { endpoint, secrets } = this.#settings;
    return {
      server: this.server,
      transport: endpoint.kind,
      phase,
      method,
      timeoutMs:
        phase === 'connect' || method !== 'tools/call' ? this.#settings.connectTimeoutMs : this.#settings.timeoutMs,
      closedBy: this.#closedBy,
      secrets,
      ...(toolName === undefined ? {} : { toolName }),
      ...(endpoint.kind === 'stdio' ? { command: endpoint.command } : {}),
    };
  }

  /** Every tool of the server, following `nextCursor` through all pages. */
  async listTools(phase: 'connect' | 'request'): Promise<SdkTool[]> {
    const tools: SdkTool[] = [];
    const seen = new Set<string>();
    let cursor: string | undefined;
    try {
      do {
        const page = await this.#client.listTools(cursor === undefined ? undefined : { cursor }, {
          timeout: this.#settings.connectTimeoutMs,
        });
        tools.push(...page.tools);
        cursor = page.nextCursor;
        // A server that repeats a cursor would page forever.
        if (cursor !== undefined && seen.has(cursor)) break;
        if (cursor !== undefined) seen.add(cursor);
      } while (cursor !== undefined);
    } catch (error) {
      throw mapMcpError(error, this.#context(phase, 'tools/list'));
    }
    return tools;
  }

  /** Calls a tool. An abort of `signal` cancels the call on the server and rejects with the signal's reason. */
  async callTool(request: McpCallRequest): Promise<McpCallToolResult> {
    const { mcpName, toolName, args, signal, onProgress } = request;
    const context = () => this.#context('request', 'tools/call', toolName);
    if (this.#closedBy !== undefined) throw mapMcpError(new McpError(ErrorCode.ConnectionClosed, 'closed'), context());
    if (args !== undefined && args !== null && (typeof args !== 'object' || Array.isArray(args))) {
      throw new McpRequestError({
        server: this.server,
        method: 'tools/call',
        toolName,
        message: `The arguments of the tool "${toolName}" must be an object (MCP tools take named arguments), got ${Array.isArray(args) ? 'an array' : typeof args}.`,
      });
    }
    signal?.throwIfAborted();
    try {
      const result = await this.#client.callTool(
        { name: mcpName, arguments: (args ?? {}) as Record<string, unknown> },
        undefined,
        {
          timeout: this.#settings.timeoutMs,
          resetTimeoutOnProgress: true,
          ...(signal === undefined ? {} : { signal }),
          ...(onProgress === undefined ? {} : { onprogress: onProgress }),
        },
      );
      return result as McpCallToolResult;
    } catch (error) {
      if (signal?.aborted === true) throw signal.reason;
      throw mapMcpError(error, context());
    }
  }

  /** Ends the connection (ends the HTTP session, stops the stdio process); idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#shutdown();
    return this.#closing;
  }

  async #shutdown(): Promise<void> {
    this.#closedBy ??= 'client';
    const transport = this.#transport;
    if (this.#closedBy === 'client' && transport instanceof StreamableHTTPClientTransport && transport.sessionId) {
      const limit = delay(sessionEndMs);
      await Promise.race([transport.terminateSession().catch(() => undefined), limit.promise]);
      limit.cancel();
    }
    // The SDK's stdio close ends stdin, then sends SIGTERM and SIGKILL to a server that stays.
    await this.#client.close().catch(() => undefined);
    // A close the SDK began itself (after a failed handshake) is not awaited by the call above:
    // wait for the process to be gone, so none outlives a caller that exits right after.
    const limit = delay(processExitMs);
    await Promise.race([this.#transportClosed, limit.promise]);
    limit.cancel();
  }

  #handleClose(): void {
    if (this.#closedBy !== undefined) return;
    this.#closedBy = 'server';
    if (!this.#opened) return;
    const transport = this.#settings.endpoint.kind;
    this.#events.onLost(
      new McpConnectionClosedError({
        server: this.server,
        transport,
        closedBy: 'server',
        message: `The MCP server "${this.server}" closed the connection (${transport === 'stdio' ? 'its process exited' : 'it is unreachable or ended the session'}). Its tools fail until you connect again.`,
      }),
    );
  }

  /**
   * A transport error of an HTTP connection may be a hiccup (a notification stream the SDK
   * reopens) or a dead server, whose calls in flight would then wait for their deadline: a
   * ping tells them apart, and a ping that cannot be delivered ends the connection.
   */
  #checkHealth(): void {
    if (this.#settings.endpoint.kind !== 'http' || !this.#opened || this.#closedBy !== undefined) return;
    if (this.#checkingHealth) return;
    this.#checkingHealth = true;
    this.#client
      .ping({ timeout: Math.min(healthCheckMs, this.#settings.timeoutMs) })
      .then(
        () => undefined,
        (error: unknown) => {
          // A JSON-RPC answer, even an error or a late one, means the server is there.
          if (error instanceof McpError && error.code !== (ErrorCode.ConnectionClosed as number)) return;
          if (this.#closedBy !== undefined) return;
          this.#handleClose();
          void this.#client.close().catch(() => undefined);
        },
      )
      .finally(() => {
        this.#checkingHealth = false;
      });
  }
}
