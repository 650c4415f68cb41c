import type { LLMMessage, LLMProvider, LLMResponse, StreamPart, ToolCall, ToolDefinition } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import type { ProviderHarness, RecordedMessage, ScriptedToolCall } from './provider-harness.js';
import { collectParts } from './provider-test-helpers.js';

type Mode = 'complete' | 'stream';
const modes: readonly Mode[] = ['complete', 'stream'];

/** A tool of the loop: its definition for the model, and what runs it. */
interface LoopTool {
  readonly definition: ToolDefinition;
  readonly execute: (args: Readonly<Record<string, unknown>>) => Promise<unknown>;
}

/** One model call of a loop: the assembled response, and the parts when streamed. */
interface LoopStep {
  readonly response: LLMResponse;
  readonly parts: readonly StreamPart[];
}

const cities: Readonly<Record<string, number>> = { Paris: 18, Oslo: 3, Lima: 24 };

const weather: LoopTool = {
  definition: {
    name: 'get_weather',
    description: 'Current weather for a city.',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
  async execute({ city }) {
    const celsius = cities[String(city)];
    if (celsius === undefined) throw new Error(`city not found: ${String(city)}`);
    return { celsius };
  },
};

const search: LoopTool = {
  definition: {
    name: 'search_docs',
    description: 'Searches the documentation.',
    parameters: {
      type: 'object',
      properties: {
        query: { type: 'string' },
        filters: { type: 'object', properties: { tags: { type: 'array' }, limit: { type: 'integer' } } },
      },
      required: ['query'],
    },
  },
  async execute({ query }) {
    return [{ title: `About ${String(query)}`, score: 0.9 }];
  },
};

/** The end part's response; a stream must end with exactly one. */
function endResponse(parts: readonly StreamPart[]): LLMResponse {
  const ends = parts.filter((part) => part.type === 'end');
  expect(ends, 'exactly one `end` part, last').toHaveLength(1);
  expect(parts.at(-1)?.type).toBe('end');
  return (ends[0] as Extract<StreamPart, { type: 'end' }>).response;
}

async function callModel(
  provider: LLMProvider,
  mode: Mode,
  messages: readonly LLMMessage[],
  tools: readonly LoopTool[],
): Promise<LoopStep> {
  const options = { tools: tools.map((tool) => tool.definition) };
  if (mode === 'complete') return { response: await provider.complete(messages, options), parts: [] };
  const parts = await collectParts(provider.stream(messages, options));
  return { response: endResponse(parts), parts };
}

/** The text of a tool result: JSON of the output, or `Error: …` for a throw (flagged `isError`). */
async function runTool(call: ToolCall, tools: readonly LoopTool[]): Promise<LLMMessage> {
  const tool = tools.find((candidate) => candidate.definition.name === call.name);
  try {
    if (tool === undefined) throw new Error(`no tool named ${call.name}`);
    return { role: 'tool', toolCallId: call.id, content: JSON.stringify(await tool.execute(call.arguments)) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { role: 'tool', toolCallId: call.id, content: `Error: ${message}`, isError: true };
  }
}

/**
 * A minimal tool loop over the bare provider contract: model → tool calls (run concurrently)
 * → results → model, until an answer without tool calls. The messages list grows in place.
 */
async function runLoop(
  provider: LLMProvider,
  mode: Mode,
  messages: LLMMessage[],
  tools: readonly LoopTool[],
  maxSteps = 4,
): Promise<LoopStep[]> {
  const steps: LoopStep[] = [];
  for (let step = 1; step <= maxSteps; step += 1) {
    const current = await callModel(provider, mode, messages, tools);
    steps.push(current);
    const { content, toolCalls = [] } = current.response;
    messages.push({ role: 'assistant', content, ...(toolCalls.length === 0 ? {} : { toolCalls }) });
    if (toolCalls.length === 0) return steps;
    messages.push(...(await Promise.all(toolCalls.map((call) => runTool(call, tools)))));
  }
  throw new Error(`the loop did not end within ${maxSteps} steps`);
}

function toolMessages(messages: readonly RecordedMessage[]): RecordedMessage[] {
  return messages.filter((message) => message.role === 'tool');
}

function callParts(parts: readonly StreamPart[]): ToolCall[] {
  return parts.flatMap((part) => (part.type === 'tool-call' ? [part.toolCall] : []));
}

/**
 * Tool loops over the provider contract, for {@link runProviderConformance}: a single call,
 * parallel calls, streamed argument deltas, a tool that throws (its error goes back to the
 * model as the result), and a streamed turn with text before its tool call. Each loop runs
 * with `complete` and with `stream`, and checks what the backend received at every step.
 */
export function describeToolLoops(current: () => ProviderHarness): void {
  describe('tool loops', () => {
    it.each(modes)('run a single tool call to an answer (%s)', async (mode) => {
      const harness = current();
      const call = { id: 'call_single', name: 'get_weather', arguments: { city: 'Paris' } };
      harness.script([{ toolCalls: [call] }, { text: 'It is 18 °C in Paris.' }]);
      const messages: LLMMessage[] = [{ role: 'user', content: 'Weather in Paris?' }];
      const steps = await runLoop(harness.provider, mode, messages, [weather]);

      expect(steps.map((step) => step.response.finishReason)).toEqual(['tool_calls', 'stop']);
      expect(steps[0]?.response.toolCalls).toEqual([call]);
      expect(steps[1]?.response.content).toBe('It is 18 °C in Paris.');
      const requests = harness.requests();
      expect(requests).toHaveLength(2);
      for (const request of requests) {
        expect(request.toolNames).toEqual(['get_weather']);
        expect(request.stream).toBe(mode === 'stream');
      }
      const sent = requests[1]!.messages;
      expect(sent.map((message) => message.role)).toEqual(['user', 'assistant', 'tool']);
      expect(sent[1]?.toolCalls).toEqual([call]);
      expect(sent[2]).toMatchObject({ toolCallId: 'call_single', content: '{"celsius":18}' });
      expect(sent[2]?.isError ?? false).toBe(false);
    });

    it.each(modes)('run parallel tool calls and send every result back, in call order (%s)', async (mode) => {
      const harness = current();
      const calls: ScriptedToolCall[] = [
        { id: 'call_p1', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'call_p2', name: 'search_docs', arguments: { query: 'umbrellas' } },
        { id: 'call_p3', name: 'get_weather', arguments: { city: 'Oslo' } },
      ];
      harness.script([{ toolCalls: calls }, { text: 'Paris 18 °C, Oslo 3 °C; take an umbrella.' }]);
      const messages: LLMMessage[] = [{ role: 'user', content: 'Weather in Paris and Oslo, and umbrella tips?' }];
      const steps = await runLoop(harness.provider, mode, messages, [weather, search]);

      expect(steps[0]?.response.toolCalls).toEqual(calls);
      if (mode === 'stream') expect(callParts(steps[0]!.parts)).toEqual(calls);
      expect(steps[1]?.response.content).toBe('Paris 18 °C, Oslo 3 °C; take an umbrella.');
      const [first, second] = harness.requests();
      expect(first?.toolNames).toEqual(['get_weather', 'search_docs']);
      const sent = second!.messages;
      expect(sent.find((message) => message.role === 'assistant')?.toolCalls).toEqual(calls);
      expect(toolMessages(sent).map((message) => [message.toolCallId, message.content])).toEqual([
        ['call_p1', '{"celsius":18}'],
        ['call_p2', '[{"title":"About umbrellas","score":0.9}]'],
        ['call_p3', '{"celsius":3}'],
      ]);
      // The results answer the assistant turn that made the calls: nothing comes between them.
      const assistantAt = sent.findIndex((message) => message.role === 'assistant');
      expect(sent.slice(assistantAt + 1).map((message) => message.role)).toEqual(['tool', 'tool', 'tool']);
    });

    it('stream tool-call argument deltas by index, each call assembled from its own deltas', async () => {
      const harness = current();
      const calls: ScriptedToolCall[] = [
        {
          id: 'call_d1',
          name: 'search_docs',
          arguments: { query: 'café "au lait" \\ crème', filters: { tags: ['drinks', 'ß→∑'], limit: 3 } },
        },
        { id: 'call_d2', name: 'get_weather', arguments: { city: 'Lima' } },
      ];
      harness.script([{ toolCalls: calls }, { text: 'Found it; Lima is 24 °C.' }]);
      const messages: LLMMessage[] = [{ role: 'user', content: 'Coffee docs and the weather in Lima?' }];
      const steps = await runLoop(harness.provider, 'stream', messages, [weather, search]);
      const parts = steps[0]!.parts;
      const indexes = new Set<number>();
      for (const call of calls) {
        const deltas = parts.flatMap((part, position) =>
          part.type === 'tool-call-delta' && part.toolCallId === call.id ? [{ part, position }] : [],
        );
        expect(deltas.length, `argument deltas of ${call.id}`).toBeGreaterThan(0);
        expect(new Set(deltas.map(({ part }) => part.index)).size, `one index for ${call.id}`).toBe(1);
        expect(new Set(deltas.map(({ part }) => part.toolName))).toEqual(new Set([call.name]));
        indexes.add(deltas[0]!.part.index);
        const text = deltas.map(({ part }) => part.argumentsDelta).join('');
        expect(JSON.parse(text)).toEqual(call.arguments);
        const completed = parts.findIndex((part) => part.type === 'tool-call' && part.toolCall.id === call.id);
        expect(completed, `the tool-call part of ${call.id} follows its deltas`).toBeGreaterThan(
          deltas.at(-1)!.position,
        );
      }
      expect(indexes.size, 'each call has its own index').toBe(calls.length);
      expect(callParts(parts)).toEqual(calls);
      expect(steps[0]?.response.toolCalls).toEqual(calls);
      // The assembled arguments go back to the model unchanged.
      expect(harness.requests()[1]?.messages.find((message) => message.role === 'assistant')?.toolCalls).toEqual(calls);
    });

    it.each(modes)('send a tool that throws back to the model as an error result (%s)', async (mode) => {
      const harness = current();
      const calls: ScriptedToolCall[] = [
        { id: 'call_ok', name: 'get_weather', arguments: { city: 'Paris' } },
        { id: 'call_fail', name: 'get_weather', arguments: { city: 'Atlantis' } },
      ];
      harness.script([{ toolCalls: calls }, { text: 'Paris is 18 °C; I could not find Atlantis.' }]);
      const messages: LLMMessage[] = [{ role: 'user', content: 'Weather in Paris and Atlantis?' }];
      const steps = await runLoop(harness.provider, mode, messages, [weather]);

      expect(steps.at(-1)?.response.content).toBe('Paris is 18 °C; I could not find Atlantis.');
      const results = toolMessages(harness.requests()[1]!.messages);
      expect(results.map((message) => [message.toolCallId, message.content])).toEqual([
        ['call_ok', '{"celsius":18}'],
        ['call_fail', 'Error: city not found: Atlantis'],
      ]);
      if (harness.toolErrorFlag === true) {
        expect(results.map((message) => message.isError ?? false)).toEqual([false, true]);
      }
    });

    it.each(modes)('run a turn with text before its tool call (%s)', async (mode) => {
      const harness = current();
      const call = { id: 'call_text', name: 'get_weather', arguments: { city: 'Oslo' } };
      harness.script([
        { text: 'Let me check the weather.', chunks: ['Let me ', 'check the weather.'], toolCalls: [call] },
        { text: 'It is 3 °C in Oslo.' },
      ]);
      const messages: LLMMessage[] = [{ role: 'user', content: 'Weather in Oslo?' }];
      const steps = await runLoop(harness.provider, mode, messages, [weather]);
      const first = steps[0]!;

      expect(first.response).toMatchObject({ content: 'Let me check the weather.', finishReason: 'tool_calls' });
      expect(first.response.toolCalls).toEqual([call]);
      if (mode === 'stream') {
        const types = first.parts.map((part) => part.type);
        const text = first.parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
        expect(text).toBe('Let me check the weather.');
        expect(types.lastIndexOf('text-delta')).toBeLessThan(types.indexOf('tool-call-delta'));
        expect(types.indexOf('tool-call')).toBeLessThan(types.indexOf('end'));
        expect((first.parts.at(-1) as Extract<StreamPart, { type: 'end' }>).finishReason).toBe('tool_calls');
      }
      const sent = harness.requests()[1]!.messages;
      expect(sent.find((message) => message.role === 'assistant')).toMatchObject({
        content: 'Let me check the weather.',
        toolCalls: [call],
      });
      expect(toolMessages(sent)).toMatchObject([{ toolCallId: 'call_text', content: '{"celsius":3}' }]);
      expect(steps[1]?.response.content).toBe('It is 3 °C in Oslo.');
    });
  });
}
