// The tool loop and structured output of ConversationManager over every provider: the echo
// provider, and the real `openai` / `@anthropic-ai/sdk` clients talking HTTP to the local
// wire-protocol servers. The harnesses are the providers' conformance harnesses, so what
// each backend received is checked in portable form at every step.
import { StructuredOutputError } from '@dk/spec';
import type { Tool } from '@dk/spec';
import { createAnthropicConformanceHarness } from '@dk/providers-anthropic/testing';
import { createEchoConformanceHarness } from '@dk/providers-echo/testing';
import { createOpenAIConformanceHarness } from '@dk/providers-openai/testing';
import { MemoryConversationStore } from '@dk/storage-memory';
import { conformanceRetrySettings } from '@dk/test-kit';
import type { CreateProviderHarness, ProviderHarness, RecordedMessage, ScriptedTurn } from '@dk/test-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { CompleteOptions } from './conversation-manager-options.js';
import { ConversationManager } from './conversation-manager.js';
import type { CompletionResult } from './completion-result.js';
import type { ConversationStreamPart } from './turn-types.js';

type Mode = 'complete' | 'stream';
const modes: readonly Mode[] = ['complete', 'stream'];

const harnesses: readonly (readonly [string, CreateProviderHarness])[] = [
  ['echo', createEchoConformanceHarness],
  ['openai', createOpenAIConformanceHarness],
  ['anthropic', createAnthropicConformanceHarness],
];

const cities: Readonly<Record<string, number>> = { Paris: 18, Oslo: 3 };

const weather: Tool<{ city: string }> = {
  description: 'Current weather for a city.',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  execute: async ({ city }) => {
    const celsius = cities[city];
    if (celsius === undefined) throw new Error(`city not found: ${city}`);
    return { celsius };
  },
};

const person = z.object({ name: z.string(), age: z.number().int() });
/** The same shape as a JSON Schema: the provider validates it (and raises StructuredOutputError itself). */
const personJsonSchema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer' } },
  required: ['name', 'age'],
  additionalProperties: false,
} as const;
const schemas = [
  ['a Zod schema', person],
  ['a JSON Schema', personJsonSchema],
] as const;

/** Runs one turn as `complete` or as `stream`, giving the result and (streamed) the parts. */
async function runTurn<Output = unknown>(
  manager: ConversationManager,
  mode: Mode,
  options: CompleteOptions,
): Promise<{ result: CompletionResult<Output>; parts: ConversationStreamPart[] }> {
  if (mode === 'complete') return { result: (await manager.complete(options)) as CompletionResult<Output>, parts: [] };
  const parts: ConversationStreamPart[] = [];
  for await (const part of manager.stream(options)) parts.push(part);
  const end = parts.at(-1);
  expect(end?.type, 'a turn stream ends with its `end` part').toBe('end');
  return {
    result: (end as Extract<ConversationStreamPart, { type: 'end' }>).result as CompletionResult<Output>,
    parts,
  };
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

function shape(manager: ConversationManager): string[] {
  return manager.state.getCurrentNodes().map((node) => node.role);
}

function lastUser(messages: readonly RecordedMessage[]): string {
  return messages.filter((message) => message.role === 'user').at(-1)?.content ?? '';
}

for (const [name, createHarness] of harnesses) {
  describe(`ConversationManager over ${name}`, () => {
    let harness: ProviderHarness;
    let manager: ConversationManager;

    beforeEach(async () => {
      harness = await createHarness({ retry: conformanceRetrySettings });
      manager = await ConversationManager.create({
        llm: harness.provider,
        storage: new MemoryConversationStore(),
        tools: { get_weather: weather },
      });
    });

    afterEach(async () => {
      await manager.close();
      await harness.close();
    });

    describe('tool loop', () => {
      it.each(modes)('runs parallel calls and a failing tool to an answer, storing every step (%s)', async (mode) => {
        const calls = [
          { id: 'call_paris', name: 'get_weather', arguments: { city: 'Paris' } },
          { id: 'call_atlantis', name: 'get_weather', arguments: { city: 'Atlantis' } },
        ];
        harness.script([{ toolCalls: calls }, { text: 'Paris is 18 °C; Atlantis is not a city I know.' }]);
        await manager.addMessage({ role: 'user', content: 'Weather in Paris and Atlantis?' });
        const { result, parts } = await runTurn(manager, mode, {});

        expect(result.status).toBe('complete');
        expect(result.content).toBe('Paris is 18 °C; Atlantis is not a city I know.');
        expect(shape(manager)).toEqual(['user', 'assistant', 'tool', 'tool', 'assistant']);
        const [paris, atlantis] = result.steps[0]!.toolResults;
        expect(paris).toMatchObject({ toolCallId: 'call_paris', isError: false, output: { celsius: 18 } });
        expect(atlantis).toMatchObject({ toolCallId: 'call_atlantis', isError: true });
        expect(atlantis!.node.content).toBe('Error: city not found: Atlantis');

        const requests = harness.requests();
        expect(requests).toHaveLength(2);
        expect(requests.map((request) => request.stream)).toEqual([mode === 'stream', mode === 'stream']);
        expect(requests.map((request) => request.toolNames)).toEqual([['get_weather'], ['get_weather']]);
        const sent = requests[1]!.messages;
        expect(sent.find((message) => message.role === 'assistant')?.toolCalls).toEqual(calls);
        const results = sent.filter((message) => message.role === 'tool');
        expect(results.map((message) => [message.toolCallId, message.content])).toEqual([
          ['call_paris', '{"celsius":18}'],
          ['call_atlantis', 'Error: city not found: Atlantis'],
        ]);
        if (harness.toolErrorFlag === true) {
          expect(results.map((message) => message.isError ?? false)).toEqual([false, true]);
        }
        if (mode === 'stream') {
          const types = parts.map((part) => part.type);
          expect(types.filter((type) => type === 'tool-call')).toHaveLength(2);
          expect(
            parts.flatMap((part) => (part.type === 'tool-result' ? [[part.toolCallId, part.isError]] : [])),
          ).toEqual([
            ['call_paris', false],
            ['call_atlantis', true],
          ]);
          expect(types.filter((type) => type === 'step-finish')).toHaveLength(2);
          expect(types.indexOf('tool-result')).toBeGreaterThan(types.lastIndexOf('tool-call'));
        }
      });

      it('streams a tool-call turn: text, argument deltas, the call, the end of the step, its result, then the answer', async () => {
        const call = { id: 'call_oslo', name: 'get_weather', arguments: { city: 'Oslo' } };
        harness.script([
          { text: 'Checking.', chunks: ['Check', 'ing.'], toolCalls: [call] },
          { text: 'It is 3 °C in Oslo.', chunks: ['It is 3 °C ', 'in Oslo.'] },
        ]);
        await manager.addMessage({ role: 'user', content: 'Weather in Oslo?' });
        const { result, parts } = await runTurn(manager, 'stream', {});

        const deltas = parts.flatMap((part) => (part.type === 'tool-call-delta' ? [part] : []));
        expect(deltas.length).toBeGreaterThan(0);
        expect(JSON.parse(deltas.map((part) => part.argumentsDelta).join(''))).toEqual(call.arguments);
        expect(new Set(deltas.map((part) => part.toolCallId))).toEqual(new Set(['call_oslo']));
        const types: string[] = parts.map((part) => part.type);
        const order = ['tool-call-delta', 'tool-call', 'step-finish', 'tool-result'].map((type) => types.indexOf(type));
        expect(order.every((position) => position >= 0)).toBe(true);
        expect(order).toEqual([...order].sort((left, right) => left - right));
        expect(types.indexOf('text-delta')).toBeLessThan(order[0]!);
        const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
        expect(text).toBe('Checking.It is 3 °C in Oslo.');
        expect(result.steps.map((step) => step.node.content)).toEqual(['Checking.', 'It is 3 °C in Oslo.']);
        expect(result.steps[0]!.node.toolCalls).toEqual([call]);
        expect(harness.requests()[1]!.messages.find((message) => message.role === 'assistant')).toMatchObject({
          content: 'Checking.',
          toolCalls: [call],
        });
      });
    });

    describe('structured output', () => {
      it.each(modes)('returns the typed object (%s)', async (mode) => {
        harness.script([{ text: '{"name":"Ada","age":36}', chunks: ['{"name":"Ada",', '"age":36}'] }]);
        await manager.addMessage({ role: 'user', content: 'Who wrote the first program?' });
        const { result, parts } = await runTurn<{ name: string; age: number }>(manager, mode, { output: person });
        expect(result.object).toEqual({ name: 'Ada', age: 36 });
        expect(harness.requests()).toHaveLength(1);
        expect(shape(manager)).toEqual(['user', 'assistant']);
        if (mode === 'stream') {
          const text = parts.flatMap((part) => (part.type === 'text-delta' ? [part.text] : [])).join('');
          expect(JSON.parse(text)).toEqual({ name: 'Ada', age: 36 });
        }
      });

      it.each(modes)('runs tools first, then gives the structured answer (%s)', async (mode) => {
        const call = { id: 'call_then', name: 'get_weather', arguments: { city: 'Oslo' } };
        harness.script([{ toolCalls: [call] }, { text: '{"city":"Oslo","celsius":3}' }]);
        await manager.addMessage({ role: 'user', content: 'Weather in Oslo, as JSON?' });
        const report = z.object({ city: z.string(), celsius: z.number() });
        const { result } = await runTurn<{ city: string; celsius: number }>(manager, mode, { output: report });

        expect(result.status).toBe('complete');
        expect(result.object).toEqual({ city: 'Oslo', celsius: 3 });
        expect(result.steps).toHaveLength(2);
        expect(result.steps[0]!.toolResults.map((item) => item.output)).toEqual([{ celsius: 3 }]);
        expect(shape(manager)).toEqual(['user', 'assistant', 'tool', 'assistant']);
        const requests = harness.requests();
        expect(requests).toHaveLength(2);
        expect(requests[1]!.toolNames).toContain('get_weather');
        expect(requests[1]!.messages.find((message) => message.role === 'tool')).toMatchObject({
          toolCallId: 'call_then',
          content: '{"celsius":3}',
        });
      });

      const invalidAnswers: readonly (readonly [string, ScriptedTurn, RegExp])[] = [
        ['invalid JSON', { text: 'Sure! Ada, aged 36.' }, /not valid JSON/],
        ['a schema mismatch', { text: '{"name":"Ada","age":"thirty-six"}' }, /\/age/],
      ];
      for (const [what, invalid, problem] of invalidAnswers) {
        for (const [schemaName, schema] of schemas) {
          it.each(modes)(
            `repairs ${what} against ${schemaName}: the validation error goes back, the valid answer is kept (%s)`,
            async (mode) => {
              harness.script([invalid, { text: '{"name":"Ada","age":36}' }]);
              await manager.addMessage({ role: 'user', content: 'Who wrote the first program?' });
              const { result, parts } = await runTurn(manager, mode, { output: schema });

              expect(result.object).toEqual({ name: 'Ada', age: 36 });
              const requests = harness.requests();
              expect(requests).toHaveLength(2);
              const repair = requests[1]!.messages;
              expect(lastUser(repair)).toMatch(problem);
              expect(repair.filter((message) => message.role === 'assistant').at(-1)?.content).toBe(invalid.text);
              expect(result.node.metadata).toMatchObject({ structuredOutput: { repairs: 1 } });
              // The repair exchange is not stored: the path is the question and the valid answer.
              expect(shape(manager)).toEqual(['user', 'assistant']);
              expect(result.node.content).toBe('{"name":"Ada","age":36}');
              if (mode === 'stream') {
                const repairStart = parts.find((part) => part.type === 'repair-start');
                expect(repairStart?.type === 'repair-start' && repairStart.problems.join(' ')).toMatch(problem);
              }
            },
          );
        }
      }

      for (const [schemaName, schema] of schemas) {
        it.each(modes)(
          `fails with StructuredOutputError and the raw text after maxRepairs, with ${schemaName} (%s)`,
          async (mode) => {
            harness.script([{ text: '{"name":"Ada"}' }, { text: '{"name":"Ada","age":"old"}' }]);
            await manager.addMessage({ role: 'user', content: 'Who wrote the first program?' });
            const error = await caught(runTurn(manager, mode, { output: schema, maxRepairs: 1 }));

            expect(StructuredOutputError.isInstance(error), String(error)).toBe(true);
            expect((error as StructuredOutputError).text).toBe('{"name":"Ada","age":"old"}');
            expect((error as StructuredOutputError).issues.map((issue) => issue.path)).toContain('/age');
            expect(harness.requests()).toHaveLength(2);
            // A failed turn leaves the question alone on the path (no half-stored answer).
            expect(shape(manager)).toEqual(['user']);
          },
        );
      }
    });
  });
}
