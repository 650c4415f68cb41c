import { ConversationConflictError, StructuredOutputError } from '@dk/spec';
import type { Tool } from '@dk/spec';
import { EchoProvider } from '@dk/providers-echo';
import { MemoryConversationStore } from '@dk/storage-memory';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversationManager } from './conversation-manager.js';
import type { ConversationMiddleware } from './conversation-middleware.js';
import { ConversationStateError } from './conversation-state-error.js';
import { ToolCallError } from './tool-call-error.js';
import type { ConversationStreamPart } from './turn-types.js';

const weather: Tool<{ city: string }> = {
  description: 'Current weather in a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: async ({ city }) => ({ city, celsius: city === 'Oslo' ? 3 : 21 }),
};

async function start(llm: EchoProvider, tools: Record<string, Tool>, storage = new MemoryConversationStore()) {
  const manager = await ConversationManager.create({ llm, storage, tools });
  await manager.addMessage({ role: 'system', content: 'You use tools.' });
  await manager.addMessage({ role: 'user', content: 'Weather in Oslo and Rome?' });
  return { manager, storage };
}

function shape(manager: ConversationManager): string[] {
  return manager.state.getCurrentNodes().map((node) => `${node.id || '(root)'} ${node.role}`);
}

describe('tool loop', () => {
  it('runs model → parallel tool calls → model and stores every step on the path', async () => {
    const llm = new EchoProvider({
      responses: [
        {
          toolCalls: [
            { id: 'c1', name: 'weather', arguments: { city: 'Oslo' } },
            { id: 'c2', name: 'weather', arguments: { city: 'Rome' } },
          ],
        },
        'Oslo is 3 °C, Rome 21 °C.',
      ],
    });
    const { manager } = await start(llm, { weather });
    const result = await manager.complete();
    expect(result.status).toBe('complete');
    expect(result.content).toBe('Oslo is 3 °C, Rome 21 °C.');
    expect(shape(manager)).toEqual([
      '(root) system',
      '0 user',
      '0.0 assistant',
      '0.0.0 tool',
      '0.0.0.0 tool',
      '0.0.0.0.0 assistant',
    ]);
    expect(
      result.steps.map((step) => [step.step, step.node.id, step.toolResults.map((item) => item.toolCallId)]),
    ).toEqual([
      [1, '0.0', ['c1', 'c2']],
      [2, '0.0.0.0.0', []],
    ]);
    const [first, second] = result.steps[0]!.toolResults;
    expect(first!.node).toMatchObject({ role: 'tool', toolCallId: 'c1', content: '{"city":"Oslo","celsius":3}' });
    expect(first!.node.metadata).toMatchObject({ toolName: 'weather', durationMs: expect.any(Number) });
    expect(second!.output).toEqual({ city: 'Rome', celsius: 21 });
    // The second model call saw the calls and both results.
    expect(llm.lastCall!.messages.map((message) => message.role)).toEqual([
      'system',
      'user',
      'assistant',
      'tool',
      'tool',
    ]);
    expect(llm.lastCall!.options.tools?.map((tool) => tool.name)).toEqual(['weather']);
    expect(llm.lastCall!.messages.filter((message) => message.isError !== undefined)).toEqual([]);
  });

  it('runs the calls of a step concurrently, bounded by maxParallelToolCalls', async () => {
    let running = 0;
    let peak = 0;
    const slow: Tool = {
      parameters: { type: 'object' },
      execute: async () => {
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 30));
        running -= 1;
        return 'ok';
      },
    };
    const calls = Array.from({ length: 6 }, (_, index) => ({ id: `p${index}`, name: 'slow', arguments: {} }));
    const llm = new EchoProvider({ responses: [{ toolCalls: calls }, 'done'] });
    const { manager } = await start(llm, { slow });
    const result = await manager.complete({ maxParallelToolCalls: 2 });
    expect(result.steps[0]!.toolResults).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('sends invalid arguments, unknown tools and tool failures back to the model as error results', async () => {
    const llm = new EchoProvider({
      responses: [
        {
          toolCalls: [
            { id: 'bad', name: 'weather', arguments: { town: 'Oslo' } },
            { id: 'nope', name: 'stocks', arguments: {} },
            { id: 'boom', name: 'broken', arguments: {} },
          ],
        },
        'Sorry, tools failed.',
      ],
    });
    const broken: Tool = {
      execute: () => {
        throw new Error('database offline');
      },
    };
    const { manager } = await start(llm, { weather, broken });
    const result = await manager.complete();
    const [bad, nope, boom] = result.steps[0]!.toolResults;
    expect(bad!.isError).toBe(true);
    expect(bad!.node.content).toMatch(/invalid arguments for tool "weather".*city/);
    expect(bad!.node.metadata['error']).toEqual({ kind: 'invalid-arguments' });
    expect(nope!.node.content).toMatch(/there is no tool "stocks"\. Available tools: weather, broken/);
    expect(boom!.node.content).toBe('Error: database offline');
    expect(result.content).toBe('Sorry, tools failed.');
    // The model's next call carries the results flagged as errors (Anthropic sends `is_error`).
    const sent = llm.lastCall!.messages.filter((message) => message.role === 'tool');
    expect(sent.map((message) => [message.toolCallId, message.isError])).toEqual([
      ['bad', true],
      ['nope', true],
      ['boom', true],
    ]);
  });

  it('fails the turn with ToolCallError under toolErrors: "fail", and after maxToolErrors', async () => {
    const failing: Tool = {
      execute: () => {
        throw new Error('nope');
      },
    };
    const once = new EchoProvider({ responses: [{ toolCalls: [{ id: 'f', name: 'failing', arguments: {} }] }] });
    const first = await start(once, { failing });
    await expect(first.manager.complete({ toolErrors: 'fail' })).rejects.toSatisfy(
      (error: unknown) => ToolCallError.isInstance(error) && error.toolName === 'failing',
    );
    const looping = new EchoProvider({
      responses: [{ toolCalls: [{ name: 'failing', arguments: {} }] }],
      cycleResponses: true,
    });
    const second = await start(looping, { failing });
    await expect(second.manager.complete({ maxToolErrors: 2 })).rejects.toSatisfy(
      (error: unknown) => ToolCallError.isInstance(error) && /failed 3 times/.test(error.message),
    );
    expect(looping.callCount).toBe(3);
  });

  it('times out a tool that runs too long and aborts it through its signal', async () => {
    let aborted = false;
    const hang: Tool = {
      execute: (_args, { signal }) =>
        new Promise((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve('late');
          });
        }),
    };
    const llm = new EchoProvider({ responses: [{ toolCalls: [{ id: 'h', name: 'hang', arguments: {} }] }, 'gave up'] });
    const { manager } = await start(llm, { hang });
    const result = await manager.complete({ toolTimeoutMs: 40 });
    expect(result.steps[0]!.toolResults[0]!.node.content).toMatch(/did not finish within 40 ms/);
    expect(result.steps[0]!.toolResults[0]!.node.metadata['error']).toMatchObject({ kind: 'timeout' });
    expect(aborted).toBe(true);
  });

  it('stops at maxSteps with a clear status', async () => {
    const llm = new EchoProvider({
      responses: [{ toolCalls: [{ name: 'weather', arguments: { city: 'Oslo' } }] }],
      cycleResponses: true,
    });
    const { manager } = await start(llm, { weather });
    const result = await manager.complete({ maxSteps: 3 });
    expect(result.status).toBe('max-steps');
    expect(result.steps).toHaveLength(3);
    expect(llm.callCount).toBe(3);
    expect(manager.state.getCurrentNodes().at(-1)!.role).toBe('tool');
  });

  it('validates and transforms arguments with a Standard Schema (Zod), and tells the model its JSON Schema', async () => {
    const seen: unknown[] = [];
    const forecast: Tool = {
      description: 'Forecast',
      inputSchema: z.object({ city: z.string(), days: z.number().int().default(3) }),
      execute: async (args) => {
        seen.push(args);
        return 'sunny';
      },
    };
    const llm = new EchoProvider({
      responses: [
        {
          toolCalls: [
            { id: 'z1', name: 'forecast', arguments: { city: 'Oslo' } },
            { id: 'z2', name: 'forecast', arguments: { city: 42 } },
          ],
        },
        'ok',
      ],
    });
    const { manager } = await start(llm, { forecast });
    const result = await manager.complete();
    expect(seen).toEqual([{ city: 'Oslo', days: 3 }]);
    expect(result.steps[0]!.toolResults[1]!.node.content).toMatch(/invalid arguments.*city/);
    expect(llm.calls[0]!.options.tools![0]!.parameters).toMatchObject({
      type: 'object',
      properties: { city: { type: 'string' } },
      required: ['city'],
    });
  });

  it('passes tool calls and results through tool middleware (refuse, redact)', async () => {
    const guard: ConversationMiddleware = {
      processToolCall(call) {
        if ((call.arguments as { city?: string }).city === 'Rome') throw new Error('Rome is not allowed');
        return undefined;
      },
      processToolResult(result) {
        return { ...result, content: result.content.replace(/\d+/g, '#') };
      },
    };
    const llm = new EchoProvider({
      responses: [
        {
          toolCalls: [
            { id: 'a', name: 'weather', arguments: { city: 'Oslo' } },
            { id: 'b', name: 'weather', arguments: { city: 'Rome' } },
          ],
        },
        'ok',
      ],
    });
    const { manager } = await start(llm, { weather });
    const result = await manager.complete({ middleware: [guard] });
    const [oslo, rome] = result.steps[0]!.toolResults;
    expect(oslo!.node.content).toBe('{"city":"Oslo","celsius":#}');
    expect(rome!.node.content).toBe('Error: the call was refused: Rome is not allowed');
  });

  it('streams text, tool calls, tool results and step boundaries, then one end part with the result', async () => {
    const llm = new EchoProvider({
      responses: [
        { content: 'Let me check.', toolCalls: [{ id: 's1', name: 'weather', arguments: { city: 'Oslo' } }] },
        { content: 'It is 3 °C.', chunks: ['It is ', '3 °C.'] },
      ],
    });
    const { manager } = await start(llm, { weather });
    const parts: ConversationStreamPart[] = [];
    for await (const part of manager.stream()) parts.push(part);
    // Consecutive parts of one kind folded (text arrives in several deltas).
    const kinds = parts.map((part) => part.type).filter((type, index, all) => type !== all[index - 1]);
    expect(kinds).toEqual([
      'text-delta',
      'tool-call-delta',
      'tool-call',
      'step-finish',
      'tool-result',
      'text-delta',
      'step-finish',
      'end',
    ]);
    const end = parts.at(-1) as Extract<ConversationStreamPart, { type: 'end' }>;
    expect(end.result.status).toBe('complete');
    expect(end.result.steps).toHaveLength(2);
    expect(end.response.content).toBe('It is 3 °C.');
  });

  it('aborting a stream cancels a running tool through its signal; the step stays stored', async () => {
    let cancelled = false;
    const controller = new AbortController();
    const slow: Tool = {
      execute: (_args, { signal }) =>
        new Promise((_, reject) => {
          setTimeout(() => controller.abort(new Error('user pressed stop')), 10);
          signal.addEventListener('abort', () => {
            cancelled = true;
            reject(signal.reason);
          });
        }),
    };
    const llm = new EchoProvider({ responses: [{ toolCalls: [{ id: 'x', name: 'slow', arguments: {} }] }] });
    const { manager } = await start(llm, { slow });
    await expect(async () => {
      for await (const part of manager.stream({ signal: controller.signal })) void part;
    }).rejects.toThrow('user pressed stop');
    expect(cancelled).toBe(true);
    expect(shape(manager).at(-1)).toBe('0.0 assistant');
    // The call never got a result: it is reported as interrupted, never silently re-run.
    expect(await manager.getPendingToolCalls()).toMatchObject([{ toolCallId: 'x', reason: 'interrupted' }]);
  });

  it('regenerates from a tool result and edits a tool result into a branch', async () => {
    const llm = new EchoProvider({
      responses: [
        { toolCalls: [{ id: 'r', name: 'weather', arguments: { city: 'Oslo' } }] },
        'first',
        'second',
        'edited',
      ],
    });
    const { manager } = await start(llm, { weather });
    const result = await manager.complete();
    const toolNodeId = result.steps[0]!.toolResults[0]!.node.id;
    const again = await manager.regenerate();
    expect(again.node.parentId).toBe(toolNodeId);
    expect(again.content).toBe('second');
    await manager.editMessage(toolNodeId, '{"city":"Oslo","celsius":-40}');
    const edited = await manager.complete();
    expect(edited.content).toBe('edited');
    expect(llm.lastCall!.messages.at(-1)!.content).toBe('{"city":"Oslo","celsius":-40}');
  });

  it('compaction keeps a tool call with its results', async () => {
    const llm = new EchoProvider({
      responses: [{ toolCalls: [{ id: 'k', name: 'weather', arguments: { city: 'Oslo' } }] }, 'answer', 'summary'],
    });
    const { manager } = await start(llm, { weather });
    await manager.complete();
    // Keeping 2 would start at the tool result; the call's assistant message is kept with it.
    await manager.compact({ keepRecentMessages: 2 });
    expect(manager.state.getCurrentMessages().map((message) => message.role)).toEqual([
      'system',
      'system',
      'assistant',
      'tool',
      'assistant',
    ]);
  });
});

describe('tool approvals', () => {
  const saveNote: Tool<{ text: string }> = {
    description: 'Save a note',
    parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
    needsApproval: true,
    execute: async ({ text }) => `saved: ${text}`,
  };

  it('pauses on a call that needs approval, then approve → complete goes on', async () => {
    const executed: string[] = [];
    const note: Tool<{ text: string }> = { ...saveNote, execute: async ({ text }) => (executed.push(text), 'saved') };
    const llm = new EchoProvider({
      responses: [
        {
          toolCalls: [
            { id: 'w', name: 'weather', arguments: { city: 'Oslo' } },
            { id: 'n', name: 'note', arguments: { text: 'buy milk' } },
          ],
        },
        'Noted, and it is 3 °C.',
      ],
    });
    const { manager } = await start(llm, { weather, note });
    const paused = await manager.complete();
    expect(paused.status).toBe('pending-tool-calls');
    expect(paused.pendingToolCalls).toEqual([
      {
        toolCallId: 'n',
        toolName: 'note',
        arguments: { text: 'buy milk' },
        assistantNodeId: '0.0',
        reason: 'needs-approval',
      },
    ]);
    expect(executed).toEqual([]);
    expect(shape(manager).at(-1)).toBe('0.0.0 tool');
    await expect(manager.addMessage({ role: 'user', content: 'hello?' })).rejects.toSatisfy((error: unknown) =>
      ConversationStateError.isInstance(error),
    );
    const approved = await manager.approveToolCall('n');
    expect(approved.node.metadata).toMatchObject({ approval: 'approved' });
    expect(executed).toEqual(['buy milk']);
    expect(await manager.getPendingToolCalls()).toEqual([]);
    const final = await manager.complete();
    expect([final.status, final.content]).toEqual(['complete', 'Noted, and it is 3 °C.']);
    expect(manager.state.metadata).toEqual({});
    await expect(manager.approveToolCall('n')).rejects.toSatisfy((error: unknown) =>
      ConversationStateError.isInstance(error),
    );
  });

  it('reject stores a refusal the model reads', async () => {
    const llm = new EchoProvider({
      responses: [{ toolCalls: [{ id: 'n', name: 'note', arguments: { text: 'x' } }] }, 'OK, not saved.'],
    });
    const { manager } = await start(llm, { note: saveNote });
    await manager.complete();
    const rejected = await manager.rejectToolCall('n', 'not now');
    expect(rejected.node.content).toBe('The user rejected this tool call: not now');
    const final = await manager.complete();
    expect(final.content).toBe('OK, not saved.');
    expect(llm.lastCall!.messages.at(-1)).toMatchObject({ role: 'tool', toolCallId: 'n' });
  });

  it('survives a restart: a new manager resumes the pause from the stored tree', async () => {
    const storage = new MemoryConversationStore();
    const llm = new EchoProvider({
      responses: [{ toolCalls: [{ id: 'n', name: 'note', arguments: { text: 'later' } }] }, 'Saved it.'],
    });
    const { manager } = await start(llm, { note: saveNote }, storage);
    await manager.complete();
    const resumed = await ConversationManager.resume({
      llm,
      storage,
      conversationId: manager.conversationId,
      tools: { note: saveNote },
    });
    expect(await resumed.getPendingToolCalls()).toMatchObject([{ toolCallId: 'n', reason: 'needs-approval' }]);
    await resumed.approveToolCall('n');
    expect((await resumed.complete()).content).toBe('Saved it.');
  });

  it('two resumers approving the same call: it runs once, the other gets a conflict', async () => {
    const storage = new MemoryConversationStore();
    let runs = 0;
    const note: Tool<{ text: string }> = {
      ...saveNote,
      execute: async () => {
        runs += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
        return 'saved';
      },
    };
    const llm = new EchoProvider({ responses: [{ toolCalls: [{ id: 'n', name: 'note', arguments: { text: 'x' } }] }] });
    const { manager } = await start(llm, { note }, storage);
    await manager.complete();
    const settings = { llm, storage, conversationId: manager.conversationId, tools: { note } };
    const [a, b] = await Promise.all([ConversationManager.resume(settings), ConversationManager.resume(settings)]);
    const outcomes = await Promise.allSettled([a.approveToolCall('n'), b.approveToolCall('n')]);
    expect(runs).toBe(1);
    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    const failed = outcomes.find((outcome) => outcome.status === 'rejected') as PromiseRejectedResult;
    expect(ConversationConflictError.isInstance(failed.reason)).toBe(true);
  });

  it('reports a call whose approved run was cut short as interrupted and does not rerun it unasked', async () => {
    const storage = new MemoryConversationStore();
    const controller = new AbortController();
    const note: Tool<{ text: string }> = {
      ...saveNote,
      execute: (_args, { signal }) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    };
    const llm = new EchoProvider({ responses: [{ toolCalls: [{ id: 'n', name: 'note', arguments: { text: 'x' } }] }] });
    const { manager } = await start(llm, { note }, storage);
    await manager.complete();
    setTimeout(() => controller.abort(new Error('crash')), 10);
    await expect(manager.approveToolCall('n', { signal: controller.signal })).rejects.toThrow('crash');
    const resumed = await ConversationManager.resume({
      llm,
      storage,
      conversationId: manager.conversationId,
      tools: { note: saveNote },
    });
    expect(await resumed.getPendingToolCalls()).toMatchObject([{ toolCallId: 'n', reason: 'interrupted' }]);
    await expect(resumed.approveToolCall('n')).rejects.toThrow(/rerun: true/);
    expect((await resumed.approveToolCall('n', { rerun: true })).node.content).toBe('saved: x');
  });

  it('a tool without execute ends the turn pending; the caller adds the result', async () => {
    const llm = new EchoProvider({
      responses: [{ toolCalls: [{ id: 'c', name: 'clientSide', arguments: {} }] }, 'thanks'],
    });
    const { manager } = await start(llm, { clientSide: { description: 'runs in the browser' } });
    const paused = await manager.complete();
    expect(paused.pendingToolCalls).toMatchObject([{ toolCallId: 'c', reason: 'no-execute' }]);
    await manager.addMessage({ role: 'tool', toolCallId: 'c', name: 'clientSide', content: '42' });
    expect((await manager.complete()).content).toBe('thanks');
  });
});

describe('structured output', () => {
  const person = z.object({ name: z.string(), age: z.number().int() });

  it('returns a typed object from a Standard Schema, repairing an invalid answer once', async () => {
    const llm = new EchoProvider({ responses: ['{"name": "Ada", "age": "old"}', '{"name": "Ada", "age": 36}'] });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
    await manager.addMessage({ role: 'user', content: 'Who?' });
    const result = await manager.complete({ output: person });
    const name: string = result.object.name;
    expect([name, result.object.age]).toEqual(['Ada', 36]);
    expect(llm.callCount).toBe(2);
    expect(llm.lastCall!.messages.at(-1)!.content).toMatch(/\/age/);
    expect(llm.calls[0]!.options.responseFormat).toMatchObject({ type: 'json-schema' });
    expect(result.node.metadata).toMatchObject({ structuredOutput: { repairs: 1 }, attempts: 2 });
    // The repair exchange is not stored: the path is the question and the valid answer.
    expect(manager.state.getCurrentMessages().map((message) => message.role)).toEqual(['user', 'assistant']);
  });

  it('fails with StructuredOutputError carrying the raw text when the repair fails too', async () => {
    const llm = new EchoProvider({ responses: ['not json', 'still not json'] });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
    await manager.addMessage({ role: 'user', content: 'Who?' });
    await expect(manager.complete({ output: person })).rejects.toSatisfy(
      (error: unknown) => StructuredOutputError.isInstance(error) && error.text === 'still not json',
    );
    expect(manager.state.getCurrentNodes()).toHaveLength(1);
  });

  it('accepts a JSON Schema and works when streaming', async () => {
    const llm = new EchoProvider({ responses: ['{"ok": true}'] });
    const manager = await ConversationManager.create({ llm, storage: new MemoryConversationStore() });
    await manager.addMessage({ role: 'user', content: 'ok?' });
    let object: unknown;
    for await (const part of manager.stream({
      output: { type: 'object', properties: { ok: { type: 'boolean' } }, required: ['ok'] },
    })) {
      if (part.type === 'end') object = part.result.object;
    }
    expect(object).toEqual({ ok: true });
  });
});
