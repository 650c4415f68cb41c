import { ConversationManager } from '@dk/conversations';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { afterEach, describe, expect, it } from 'vitest';
import { changingToolsServer, everythingServerBin } from './__fixtures__/everything-server.js';
import { connectMcpTools } from './connect-mcp-tools.js';
import type { McpTools } from './mcp-tools.js';

const opened: McpTools[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((mcp) => mcp.close()));
});

describe('McpTools in a ConversationManager tool loop', () => {
  it('runs the MCP tool the model calls and stores its result in a tool node; writes wait for approval', async () => {
    const mcp = await connectMcpTools({
      command: process.execPath,
      args: [everythingServerBin, 'stdio'],
      stderr: 'ignore',
      prefix: 'everything_',
    });
    opened.push(mcp);
    const llm = new EchoProvider({
      responses: [
        {
          toolCalls: [
            { id: 'call_echo', name: 'everything_echo', arguments: { message: 'from the model' } },
            { id: 'call_toggle', name: 'everything_toggle-simulated-logging', arguments: {} },
          ],
        },
        'The server echoed it.',
      ],
    });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore(), tools: mcp.tools });
    await manager.addMessage({ role: 'user', content: 'Echo something.' });

    const paused = await manager.complete();
    // The read-only echo ran; the logging toggle is not annotated read-only, so it waits.
    expect(paused.status).toBe('pending-tool-calls');
    expect(paused.pendingToolCalls).toMatchObject([
      { toolCallId: 'call_toggle', toolName: 'everything_toggle-simulated-logging', reason: 'needs-approval' },
    ]);
    const echoed = paused.steps[0]!.toolResults.find((result) => result.toolCallId === 'call_echo')!;
    expect(echoed.node).toMatchObject({
      role: 'tool',
      toolCallId: 'call_echo',
      name: 'everything_echo',
      content: 'Echo: from the model',
    });
    expect(llm.calls[0]!.options.tools!.map((tool) => tool.name)).toContain('everything_echo');

    await manager.rejectToolCall('call_toggle', 'not now');
    const final = await manager.complete();
    expect([final.status, final.content]).toEqual(['complete', 'The server echoed it.']);
    expect(manager.state.getCurrentNodes().map((node) => node.role)).toEqual([
      'user',
      'assistant',
      'tool',
      'tool',
      'assistant',
    ]);
    // The model's second call saw the tool result.
    expect(llm.lastCall!.messages.find((message) => message.role === 'tool')).toMatchObject({
      content: 'Echo: from the model',
    });
  });

  it('feeds a tool’s error result back to the model as a tool error', async () => {
    // autoRefresh off: `tools` keeps a tool the server has dropped, whose call then ends in an error result.
    const mcp = await connectMcpTools({
      command: process.execPath,
      args: [changingToolsServer],
      needsApproval: false,
      autoRefresh: false,
    });
    opened.push(mcp);
    const llm = new EchoProvider({
      responses: [
        { toolCalls: [{ id: 'call_remove', name: 'remove_tool', arguments: { name: 'files/read.v2' } }] },
        { toolCalls: [{ id: 'call_gone', name: 'files_read_v2', arguments: {} }] },
        'That tool is gone.',
      ],
    });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore(), tools: mcp.tools });
    await manager.addMessage({ role: 'user', content: 'Remove the reader, then read.' });
    const result = await manager.complete();
    expect(result.status).toBe('complete');
    const failed = result.steps[1]!.toolResults[0]!;
    expect(failed.node).toMatchObject({
      role: 'tool',
      toolCallId: 'call_gone',
      content: 'Error: Unknown tool files/read.v2',
    });
    expect(failed.node.metadata).toMatchObject({ isError: true, error: { kind: 'error', name: 'McpToolError' } });
    expect(llm.lastCall!.messages.at(-1)).toMatchObject({ role: 'tool', content: 'Error: Unknown tool files/read.v2' });
  });

  it('offers tools the server adds mid-conversation from the next turn on', async () => {
    let changed!: () => void;
    const refreshed = new Promise<void>((resolve) => (changed = resolve));
    const mcp = await connectMcpTools({
      command: process.execPath,
      args: [changingToolsServer],
      needsApproval: false,
      onToolsChanged: () => changed(),
    });
    opened.push(mcp);
    const llm = new EchoProvider({
      responses: [
        { toolCalls: [{ id: 'call_add', name: 'add_tool', arguments: { name: 'weather' } }] },
        'Added.',
        { toolCalls: [{ id: 'call_weather', name: 'weather', arguments: {} }] },
        'Done.',
      ],
    });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore(), tools: mcp.tools });
    await manager.addMessage({ role: 'user', content: 'Add a weather tool.' });
    expect((await manager.complete()).content).toBe('Added.');
    await refreshed;
    await manager.addMessage({ role: 'user', content: 'Use it.' });
    const second = await manager.complete();
    expect(llm.calls[2]!.options.tools!.map((tool) => tool.name)).toContain('weather');
    expect(second.steps[0]!.toolResults[0]!.node).toMatchObject({ role: 'tool', content: 'ran weather' });
    expect(second.content).toBe('Done.');
  });
});
