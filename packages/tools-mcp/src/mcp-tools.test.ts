import { inspect } from 'node:util';
import { InvalidOptionsError } from '@dk/spec';
import type { ToolSet } from '@dk/spec';
import { afterEach, describe, expect, it } from 'vitest';
import { changingToolsServer, freePort, startEverythingHttpServer } from './__fixtures__/everything-server.js';
import { connectMcpTools } from './connect-mcp-tools.js';
import { McpConnectionError } from './mcp-connection-error.js';
import { McpSettingsError } from './mcp-settings-error.js';
import { McpTimeoutError } from './mcp-timeout-error.js';
import type { McpTools } from './mcp-tools.js';
import type { McpToolsChange, McpToolsCommonSettings } from './mcp-tools-settings.js';

const opened: McpTools[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((mcp) => mcp.close()));
});

async function changing(settings: McpToolsCommonSettings = {}): Promise<McpTools> {
  const mcp = await connectMcpTools({ command: process.execPath, args: [changingToolsServer], ...settings });
  opened.push(mcp);
  return mcp;
}

function call(tools: ToolSet, name: string, args: unknown = {}, signal?: AbortSignal): Promise<unknown> {
  const tool = tools[name];
  if (tool?.execute === undefined) throw new Error(`no tool ${name}`);
  return Promise.resolve(
    tool.execute(args, { signal: signal ?? new AbortController().signal, conversationId: 'c', toolCallId: 't' }),
  );
}

/** The server counts cancellations as it handles them; ask until it has seen `count`. */
async function cancellationsReach(mcp: McpTools, count: number): Promise<string> {
  let seen = '';
  for (let attempt = 0; attempt < 50 && seen !== String(count); attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    seen = String(await call(mcp.tools, 'cancellations'));
  }
  return seen;
}

describe('McpTools tool list', () => {
  it('follows every page of the listing and gives names the vendors accept', async () => {
    const mcp = await changing();
    expect(Object.keys(mcp.tools)).toEqual([
      'add_tool',
      'remove_tool',
      'wait_for_cancel',
      'cancellations',
      'files_read_v2',
    ]);
    expect(mcp.describeTools().at(-1)).toMatchObject({ name: 'files_read_v2', mcpName: 'files/read.v2' });
    // The call goes out under the server's own name.
    await expect(call(mcp.tools, 'files_read_v2')).resolves.toBe('ran files/read.v2');
  });

  it('refreshes `tools` in place when the server announces a change', async () => {
    const changes: McpToolsChange[] = [];
    let announced!: () => void;
    const mcp = await changing({
      onToolsChanged: (change) => {
        changes.push(change);
        announced();
      },
    });
    const tools = mcp.tools;
    let next = new Promise<void>((resolve) => (announced = resolve));
    await expect(call(tools, 'add_tool', { name: 'weather' })).resolves.toBe('added weather');
    await next;
    expect(mcp.tools).toBe(tools);
    expect(tools['weather']).toMatchObject({ description: 'Added at run time: weather.' });
    await expect(call(tools, 'weather')).resolves.toBe('ran weather');
    next = new Promise<void>((resolve) => (announced = resolve));
    await call(tools, 'remove_tool', { name: 'add_tool' });
    await next;
    expect('add_tool' in tools).toBe(false);
    expect(changes).toEqual([
      { added: ['weather'], removed: [], updated: [] },
      { added: [], removed: ['add_tool'], updated: [] },
    ]);
    expect(mcp.stale).toBe(false);
  });

  it('with autoRefresh false, only marks the list stale until refresh()', async () => {
    const mcp = await changing({ autoRefresh: false });
    await call(mcp.tools, 'add_tool', { name: 'later' });
    // The server sends the notification before its answer, on the same stream.
    expect(mcp.stale).toBe(true);
    expect(mcp.tools['later']).toBeUndefined();
    const [first, second] = await Promise.all([mcp.refresh(), mcp.refresh()]);
    expect(first).toEqual({ added: ['later'], removed: [], updated: [] });
    expect(second).toBe(first);
    expect(mcp.stale).toBe(false);
    expect(mcp.tools['later']).toBeDefined();
  });

  it('keeps the tools `include` names (the server’s or prefixed) and refuses names the server lacks', async () => {
    const [mcp, filtered, error] = await Promise.all([
      changing({ prefix: 'fs_', include: ['cancellations', 'fs_files_read_v2'] }),
      changing({ include: (tool) => tool.annotations?.readOnlyHint === true }),
      changing({ include: ['cancelations'] }).catch((caught: unknown) => caught),
    ]);
    expect(Object.keys(mcp.tools)).toEqual(['fs_cancellations', 'fs_files_read_v2']);
    expect(Object.keys(filtered.tools)).toEqual(['cancellations']);
    expect(McpSettingsError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ setting: 'include', server: 'changing-tools' });
    expect((error as Error).message).toMatch(/"cancelations" \(did you mean "cancellations"\?\)/);
  });
});

describe('McpTools approval policy', () => {
  it("defaults to 'unless-read-only' and takes true, false, a name list or a function", async () => {
    const seen: unknown[] = [];
    const [byDefault, none, listed, dynamic] = await Promise.all([
      changing(),
      changing({ needsApproval: false }),
      changing({ prefix: 'x_', needsApproval: ['remove_tool', 'x_add_tool'] }),
      changing({
        needsApproval: (tool, args) => {
          seen.push([tool.mcpName, args]);
          return tool.mcpName === 'add_tool' && (args as { name?: string }).name === 'danger';
        },
      }),
    ]);
    expect(byDefault.tools['cancellations']!.needsApproval).toBe(false);
    expect(byDefault.tools['add_tool']!.needsApproval).toBe(true);
    expect(Object.values(none.tools).every((tool) => tool.needsApproval === false)).toBe(true);
    expect(listed.tools['x_remove_tool']!.needsApproval).toBe(true);
    expect(listed.tools['x_add_tool']!.needsApproval).toBe(true);
    expect(listed.tools['x_cancellations']!.needsApproval).toBe(false);
    const approval = dynamic.tools['add_tool']!.needsApproval as (args: unknown) => Promise<boolean>;
    expect(await approval({ name: 'danger' })).toBe(true);
    expect(await approval({ name: 'fine' })).toBe(false);
    expect(seen).toEqual([
      ['add_tool', { name: 'danger' }],
      ['add_tool', { name: 'fine' }],
    ]);
  });
});

describe('McpTools calls', () => {
  it('sends notifications/cancelled when the signal aborts or the deadline passes', async () => {
    const mcp = await changing({ timeoutMs: 200 });
    const controller = new AbortController();
    const aborted = call(mcp.tools, 'wait_for_cancel', {}, controller.signal);
    controller.abort();
    await expect(aborted).rejects.toMatchObject({ name: 'AbortError' });
    expect(await cancellationsReach(mcp, 1)).toBe('1');
    const late = await call(mcp.tools, 'wait_for_cancel').catch((caught: unknown) => caught);
    expect(McpTimeoutError.isInstance(late)).toBe(true);
    expect(late).toMatchObject({ method: 'tools/call', toolName: 'wait_for_cancel', timeoutMs: 200 });
    expect((late as Error).message).toMatch(/raise `timeoutMs`/);
    expect(await cancellationsReach(mcp, 2)).toBe('2');
  });

  it('returns what mapResult makes of the result', async () => {
    const mcp = await changing({ mapResult: (result, tool) => ({ tool: tool.name, blocks: result.content.length }) });
    await expect(call(mcp.tools, 'cancellations')).resolves.toEqual({ tool: 'cancellations', blocks: 1 });
  });

  it('refuses arguments that are not an object', async () => {
    const mcp = await changing();
    await expect(call(mcp.tools, 'cancellations', [1, 2])).rejects.toMatchObject({
      name: 'McpRequestError',
      message: expect.stringMatching(/must be an object .* got an array/),
    });
  });
});

describe('connectMcpTools settings', () => {
  it('names the intended option for a misspelt one', async () => {
    const error = await connectMcpTools({ comand: 'node' } as never).catch((caught: unknown) => caught);
    expect(InvalidOptionsError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/`comand` \(did you mean `command`\?\)/);
    await expect(connectMcpTools({ command: 'node', time_out_ms: 5 } as never)).rejects.toThrow(/did you mean/);
  });

  it('refuses values it cannot use, before starting anything', async () => {
    const cases: [object, string][] = [
      [{}, 'command'],
      [{ command: 'node', url: 'http://127.0.0.1/mcp' }, 'command'],
      [{ command: '' }, 'command'],
      [{ command: 'node', prefix: 'my tools!' }, 'prefix'],
      [{ command: 'node', needsApproval: 'sometimes' }, 'needsApproval'],
      [{ command: 'node', timeoutMs: -1 }, 'timeoutMs'],
      [{ command: 'node', env: { TOKEN: 42 } }, 'env.TOKEN'],
      [{ url: 'ftp://example.com/mcp' }, 'url'],
      [{ url: 'not a url' }, 'url'],
    ];
    for (const [settings, setting] of cases) {
      const error = await connectMcpTools(settings as never).catch((caught: unknown) => caught);
      expect(McpSettingsError.isInstance(error), JSON.stringify(settings)).toBe(true);
      expect(error).toMatchObject({ setting, code: 'MCP_INVALID_SETTINGS' });
    }
  });
});

describe('connectMcpTools connection failures', () => {
  const secret = 'sk-very-secret-value-123456';

  function expectNoSecret(error: unknown): void {
    expect(inspect(error, { depth: 10 })).not.toContain(secret);
    expect(JSON.stringify(error)).not.toContain(secret);
  }

  it('explains a command that cannot be started', async () => {
    const error = await connectMcpTools({ command: 'dk-no-such-mcp-server', env: { API_KEY: secret } }).catch(
      (caught: unknown) => caught,
    );
    expect(McpConnectionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ transport: 'stdio', server: 'dk-no-such-mcp-server' });
    expect((error as Error).message).toMatch(/`dk-no-such-mcp-server` could not be started \(ENOENT\)/);
    expectNoSecret(error);
  });

  it('explains a server that exits before the handshake', async () => {
    const error = await connectMcpTools({
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
      env: { API_KEY: secret },
    }).catch((caught: unknown) => caught);
    expect(McpConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/closed the connection before the handshake finished/);
    expectNoSecret(error);
  });

  it('gives up on a server that never answers after connectTimeoutMs', async () => {
    const error = await connectMcpTools({
      command: process.execPath,
      args: ['-e', 'setInterval(() => {}, 1000)'],
      connectTimeoutMs: 300,
    }).catch((caught: unknown) => caught);
    expect(McpTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ method: 'initialize', timeoutMs: 300 });
    expect((error as Error).message).toMatch(/raise `connectTimeoutMs`/);
  });

  it('explains a URL nobody listens on, without showing the headers', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp?api_key=${secret}`;
    const error = await connectMcpTools({ url, headers: { Authorization: `Bearer ${secret}` } }).catch(
      (caught: unknown) => caught,
    );
    expect(McpConnectionError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ transport: 'http' });
    expect((error as Error).message).toMatch(/could not be reached \(ECONNREFUSED\)/);
    expectNoSecret(error);
  });

  it('redacts secrets that an underlying failure repeats', async () => {
    const error = await connectMcpTools({
      url: 'http://127.0.0.1:9/mcp',
      headers: { 'X-Api-Key': secret },
      // A proxy library that quotes the request in its error.
      fetch: async (_url, init) => {
        throw new Error(`proxy refused request with X-Api-Key: ${new Headers(init?.headers).get('x-api-key')}`);
      },
    }).catch((caught: unknown) => caught);
    expect(McpConnectionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/X-Api-Key: \[redacted\]/);
    expectNoSecret(error);
  });

  it('explains an HTTP server without an MCP endpoint at the URL', async () => {
    const server = await startEverythingHttpServer();
    try {
      const error = await connectMcpTools({ url: server.url.replace(/\/mcp$/, '/not-mcp') }).catch(
        (caught: unknown) => caught,
      );
      expect(McpConnectionError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ status: 404 });
      expect((error as Error).message).toMatch(/no MCP endpoint at this URL/);
    } finally {
      await server.kill();
    }
  });
});
