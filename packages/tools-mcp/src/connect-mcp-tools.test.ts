import type { ToolExecutionContext } from '@dk/spec';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everythingServerBin, startEverythingHttpServer } from './__fixtures__/everything-server.js';
import type { EverythingHttpServer } from './__fixtures__/everything-server.js';
import { connectMcpTools } from './connect-mcp-tools.js';
import { McpConnectionClosedError } from './mcp-connection-closed-error.js';
import { McpToolError } from './mcp-tool-error.js';
import type { McpTools } from './mcp-tools.js';
import type { McpToolProgress, McpToolsCommonSettings, McpToolsSettings } from './mcp-tools-settings.js';
import type { McpToolsError } from './mcp-tools-error.js';

function context(signal = new AbortController().signal, toolCallId = 'call_1'): ToolExecutionContext {
  return { signal, conversationId: 'conversation', toolCallId };
}

function run(mcp: McpTools, name: string, args: unknown, signal?: AbortSignal, toolCallId?: string): Promise<unknown> {
  const tool = mcp.tools[name];
  if (tool?.execute === undefined) throw new Error(`no tool ${name}`);
  return Promise.resolve(tool.execute(args, context(signal, toolCallId)));
}

/** Resolves on the first progress report of the call `toolCallId`, so a test acts while the tool is surely running. */
function progressWatcher(toolCallId = 'call_1'): {
  settings: Pick<McpToolsCommonSettings, 'onProgress'>;
  started: Promise<McpToolProgress>;
} {
  let resolve!: (progress: McpToolProgress) => void;
  const started = new Promise<McpToolProgress>((done) => (resolve = done));
  return { settings: { onProgress: (progress) => progress.toolCallId === toolCallId && resolve(progress) }, started };
}

interface Endpoint {
  /** Settings that reach a server; `fresh` gives one that no other test uses (it may be killed). */
  readonly settings: (fresh: boolean) => Promise<McpToolsSettings>;
  /** Makes the server of `mcp` die as a crash would. */
  readonly kill: (mcp: McpTools) => Promise<void>;
}

const stdio: Endpoint = {
  settings: async () => ({ command: process.execPath, args: [everythingServerBin, 'stdio'], stderr: 'ignore' }),
  kill: async (mcp) => {
    process.kill(mcp.pid!, 'SIGKILL');
  },
};

const httpServers: EverythingHttpServer[] = [];
const serverOf = new WeakMap<McpTools, EverythingHttpServer>();
let sharedHttpServer: EverythingHttpServer | undefined;
let lastHttpServer: EverythingHttpServer | undefined;
const http: Endpoint = {
  settings: async (fresh) => {
    let server = fresh ? undefined : sharedHttpServer;
    if (server === undefined) {
      server = await startEverythingHttpServer();
      httpServers.push(server);
      if (!fresh) sharedHttpServer = server;
    }
    lastHttpServer = server;
    return { url: server.url, headers: { Authorization: 'Bearer test-token-not-a-secret' } };
  },
  kill: async (mcp) => serverOf.get(mcp)!.kill(),
};

afterAll(async () => {
  await Promise.all(httpServers.map((server) => server.kill()));
});

async function open(endpoint: Endpoint, fresh: boolean, extra: McpToolsCommonSettings = {}): Promise<McpTools> {
  const settings = await endpoint.settings(fresh);
  const mcp = await connectMcpTools({ ...settings, ...extra } as McpToolsSettings);
  if (endpoint === http) serverOf.set(mcp, lastHttpServer!);
  return mcp;
}

describe.each([
  ['stdio', stdio],
  ['streamable HTTP', http],
] as const)('connectMcpTools over %s (mcp-server-everything)', (_transport, endpoint) => {
  let mcp: McpTools;
  const progressListeners = new Set<(progress: McpToolProgress) => void>();

  beforeAll(async () => {
    mcp = await open(endpoint, false, {
      prefix: 'everything_',
      onProgress: (progress) => progressListeners.forEach((listener) => listener(progress)),
    });
  });

  afterAll(async () => {
    await mcp.close();
  });

  it('lists the tools, prefixed, with their schemas, descriptions and approval from their annotations', () => {
    expect(mcp.serverInfo).toMatchObject({ name: 'mcp-servers/everything' });
    expect(mcp.server).toBe('mcp-servers/everything');
    expect(mcp.connected).toBe(true);
    const names = Object.keys(mcp.tools);
    expect(names).toEqual(
      expect.arrayContaining(['everything_echo', 'everything_get-sum', 'everything_trigger-long-running-operation']),
    );
    // Tools that only run as MCP tasks cannot be called with tools/call, so they are not offered.
    expect(names).not.toContain('everything_simulate-research-query');
    expect(names.every((name) => /^[A-Za-z0-9_-]{1,64}$/.test(name))).toBe(true);
    const sum = mcp.tools['everything_get-sum']!;
    expect(sum.description).toBe('Returns the sum of two numbers');
    expect(sum.parameters).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    // Default policy 'unless-read-only': echo is annotated read-only, the logging toggle is not.
    expect(mcp.tools['everything_echo']!.needsApproval).toBe(false);
    expect(mcp.tools['everything_toggle-simulated-logging']!.needsApproval).toBe(true);
    expect(mcp.describeTools().find((tool) => tool.mcpName === 'echo')).toMatchObject({
      name: 'everything_echo',
      title: 'Echo Tool',
      annotations: { readOnlyHint: true },
    });
  });

  it('calls tools with arguments and returns their text', async () => {
    await expect(run(mcp, 'everything_echo', { message: 'hello' })).resolves.toBe('Echo: hello');
    await expect(run(mcp, 'everything_get-sum', { a: 2, b: 3 })).resolves.toBe('The sum of 2 and 3 is 5.');
  });

  it('returns structured content as the object, and summarises images and resources', async () => {
    await expect(run(mcp, 'everything_get-structured-content', { location: 'Chicago' })).resolves.toEqual({
      temperature: 36,
      conditions: 'Light rain / drizzle',
      humidity: 82,
    });
    const image = await run(mcp, 'everything_get-tiny-image', {});
    expect(image).toMatch(/^Here's the image you requested:\n\[image: image\/png, \d+ bytes\]\nThe image above/);
    const links = await run(mcp, 'everything_get-resource-links', { count: 1 });
    expect(links).toMatch(/\[resource link "Blob Resource 1" demo:\/\/resource\/dynamic\/blob\/1 \(text\/plain\)/);
    const reference = await run(mcp, 'everything_get-resource-reference', { resourceType: 'Text', resourceId: 2 });
    expect(reference).toMatch(/\[resource demo:\/\/resource\/dynamic\/text\/2 \(text\/plain\)\]\nResource 2:/);
  });

  it('throws McpToolError with the tool’s own words for an error result', async () => {
    const error = await run(mcp, 'everything_get-sum', { a: 'two', b: 3 }).catch((caught: unknown) => caught);
    expect(McpToolError.isInstance(error)).toBe(true);
    const toolError = error as McpToolError;
    expect(toolError).toMatchObject({
      code: 'MCP_TOOL_ERROR',
      toolName: 'everything_get-sum',
      mcpToolName: 'get-sum',
      server: 'mcp-servers/everything',
    });
    expect(toolError.message).toMatch(/Input validation error/);
    expect(toolError.result).toMatchObject({ isError: true });
  });

  it('cancels a running call when its signal aborts, and the connection goes on', async () => {
    const watcher = progressWatcher('abort_me');
    progressListeners.add(watcher.settings.onProgress!);
    const controller = new AbortController();
    const call = run(
      mcp,
      'everything_trigger-long-running-operation',
      { duration: 3, steps: 30 },
      controller.signal,
      'abort_me',
    );
    const outcome = call.catch((caught: unknown) => caught);
    expect(await watcher.started).toMatchObject({
      toolName: 'everything_trigger-long-running-operation',
      progress: 1,
      total: 30,
    });
    const reason = new Error('the user pressed stop');
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    await expect(run(mcp, 'everything_echo', { message: 'still here' })).resolves.toBe('Echo: still here');
    progressListeners.delete(watcher.settings.onProgress!);
  });

  it('fails calls with McpConnectionClosedError when the server dies mid-call, and reports it', async () => {
    const watcher = progressWatcher();
    const reported: McpToolsError[] = [];
    const doomed = await open(endpoint, true, { ...watcher.settings, onError: (error) => reported.push(error) });
    const outcome = run(doomed, 'trigger-long-running-operation', { duration: 30, steps: 30 }).catch(
      (caught: unknown) => caught,
    );
    await watcher.started;
    await endpoint.kill(doomed);
    const error = await outcome;
    expect(McpConnectionClosedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ closedBy: 'server', toolName: 'trigger-long-running-operation' });
    expect(doomed.connected).toBe(false);
    expect(reported.map((item) => item.name)).toEqual(['McpConnectionClosedError']);
    await expect(run(doomed, 'echo', { message: 'anyone?' })).rejects.toMatchObject({
      name: 'McpConnectionClosedError',
      closedBy: 'server',
    });
    await doomed.close();
  });

  it('close() ends the connection once, and later calls fail with closedBy "client"', async () => {
    const closing = await open(endpoint, false);
    const pid = closing.pid;
    await Promise.all([closing.close(), closing.close()]);
    await closing.close();
    expect(closing.connected).toBe(false);
    if (pid !== undefined) expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
    const error = await run(closing, 'echo', { message: 'late' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'McpConnectionClosedError', closedBy: 'client', toolName: 'echo' });
    expect((error as Error).message).toMatch(/closed with close\(\)/);
  });
});

describe('connectMcpTools env', () => {
  it('gives the stdio server `env` on top of a safe default, not this process’s whole environment', async () => {
    process.env['DK_MCP_TEST_PARENT_ONLY'] = 'parent-only-value';
    const mcp = await connectMcpTools({
      command: process.execPath,
      args: [everythingServerBin, 'stdio'],
      env: { UPSTREAM_API_KEY: 'sk-env-secret-0123456789' },
      stderr: 'ignore',
    });
    try {
      // The reference server's get-env prints its environment.
      const environment = JSON.parse(String(await run(mcp, 'get-env', {}))) as Record<string, string>;
      expect(environment['UPSTREAM_API_KEY']).toBe('sk-env-secret-0123456789');
      expect(environment['PATH']).toBe(process.env['PATH']);
      expect(environment['DK_MCP_TEST_PARENT_ONLY']).toBeUndefined();
    } finally {
      delete process.env['DK_MCP_TEST_PARENT_ONLY'];
      await mcp.close();
    }
  });
});

describe('connectMcpTools over streamable HTTP', () => {
  it('sends `headers` with every request through the given fetch, and ends the session on close()', async () => {
    const { url } = (await http.settings(false)) as { url: string };
    const requests: { method: string; authorization: string | null }[] = [];
    const mcp = await connectMcpTools({
      url,
      headers: { Authorization: 'Bearer header-check' },
      fetch: (input, init) => {
        requests.push({
          method: init?.method ?? 'GET',
          authorization: new Headers(init?.headers).get('authorization'),
        });
        return fetch(input, init);
      },
    });
    await expect(run(mcp, 'echo', { message: 'with headers' })).resolves.toBe('Echo: with headers');
    await mcp.close();
    expect(requests.map((request) => request.method)).toEqual(expect.arrayContaining(['POST', 'DELETE']));
    expect(requests.every((request) => request.authorization === 'Bearer header-check')).toBe(true);
  });
});
