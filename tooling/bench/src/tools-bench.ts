// Tool-loop benchmark (issue 14): the cost of ConversationManager's tool loop per step
// against the work it cannot avoid — the same provider calls made bare, the tool run
// directly, and the store appends a step needs (the assistant node and the tool node) —
// and the per-step cost along a 200-step loop, which must stay flat.
import { ConversationManager } from '@dk/conversations';
import type { ConversationMiddleware } from '@dk/conversations';
import { EchoProvider } from '@dk/providers-echo';
import type { LLMMessage, LLMProvider, LLMResponse, StreamPart, Tool, ToolCall } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { median } from './bench-stats.js';

const STEPS = 10;
const ROUNDS = 60;
let sink = 0;

const lookup: Tool<{ key: string }> = {
  description: 'Looks a key up',
  parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
  execute: async ({ key }) => ({ key, value: key.length }),
};

/** An echo model that calls `lookup` for `steps - 1` steps, then answers. */
function scriptedModel(steps: number): EchoProvider {
  let calls = 0;
  return new EchoProvider({
    responseFunction: () => {
      calls += 1;
      if (calls >= steps) {
        calls = 0;
        return 'All looked up.';
      }
      return { toolCalls: [{ id: `call_${calls}`, name: 'lookup', arguments: { key: `k${calls}` } }] };
    },
  });
}

/** The same work without the loop: bare provider calls on the growing messages, direct tool runs, raw appends. */
async function bareLoop(llm: EchoProvider, storage: MemoryConversationStore, conversationId: string, rootId: string) {
  const messages: LLMMessage[] = [
    { role: 'system', content: 'You look things up.' },
    { role: 'user', content: 'Look up ten keys.' },
  ];
  const tools = [{ name: 'lookup', parameters: lookup.parameters! }];
  let parentId = rootId;
  for (;;) {
    const response = await llm.complete(messages, { tools });
    const assistant = await storage.appendNode({
      conversationId,
      parentId,
      node: {
        role: 'assistant',
        content: response.content,
        ...(response.toolCalls === undefined ? {} : { toolCalls: response.toolCalls }),
        metadata: { model: response.model, usage: response.usage },
      },
      moveCursor: true,
    });
    parentId = assistant.node.id;
    messages.push({
      role: 'assistant',
      content: response.content,
      ...(response.toolCalls ? { toolCalls: response.toolCalls } : {}),
    });
    const call: ToolCall | undefined = response.toolCalls?.[0];
    if (call === undefined) return response;
    const output = await lookup.execute!(call.arguments as { key: string }, {
      signal: new AbortController().signal,
      conversationId,
      toolCallId: call.id,
    });
    const content = JSON.stringify(output);
    const tool = await storage.appendNode({
      conversationId,
      parentId,
      node: { role: 'tool', content, toolCallId: call.id, name: call.name },
      moveCursor: true,
    });
    parentId = tool.node.id;
    messages.push({ role: 'tool', content, toolCallId: call.id });
  }
}

async function overhead(): Promise<{ loopNs: number; bareNs: number }> {
  const loopNs: number[] = [];
  const bareNs: number[] = [];
  for (let round = 0; round < ROUNDS + 5; round += 1) {
    const storage = new MemoryConversationStore();
    const llm = scriptedModel(STEPS);
    const manager = await ConversationManager.create({ llm, storage, tools: { lookup }, maxSteps: STEPS + 1 });
    await manager.addMessage({ role: 'system', content: 'You look things up.' });
    const user = await manager.addMessage({ role: 'user', content: 'Look up ten keys.' });
    let start = process.hrtime.bigint();
    const result = await manager.complete();
    const loop = Number(process.hrtime.bigint() - start);
    sink += result.steps.length;

    const bareStorage = new MemoryConversationStore();
    const record = await bareStorage.create({});
    const root = await bareStorage.appendNode({
      conversationId: record.id,
      parentId: null,
      node: { role: 'system', content: 'You look things up.' },
    });
    const userNode = await bareStorage.appendNode({
      conversationId: record.id,
      parentId: root.node.id,
      node: { role: 'user', content: user.content },
      moveCursor: true,
    });
    const bareLlm = scriptedModel(STEPS);
    start = process.hrtime.bigint();
    const bare = await bareLoop(bareLlm, bareStorage, record.id, userNode.node.id);
    const bareTime = Number(process.hrtime.bigint() - start);
    sink += bare.content.length;
    if (round >= 5) {
      loopNs.push(loop);
      bareNs.push(bareTime);
    }
  }
  return { loopNs: median(loopNs), bareNs: median(bareNs) };
}

/** A model whose cost does not grow with the messages: calls `lookup` until `steps`, then answers. */
class ConstantToolModel implements LLMProvider {
  readonly specificationVersion = 'v1';
  readonly provider = 'constant';
  readonly modelId = 'constant-model';
  #calls = 0;
  constructor(readonly steps: number) {}
  async complete(): Promise<LLMResponse> {
    this.#calls += 1;
    const done = this.#calls >= this.steps;
    return {
      content: done ? 'Done.' : '',
      model: this.modelId,
      finishReason: done ? 'stop' : 'tool_calls',
      usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 },
      warnings: [],
      metadata: {},
      ...(done ? {} : { toolCalls: [{ id: `c${this.#calls}`, name: 'lookup', arguments: { key: 'k' } }] }),
    };
  }
  // eslint-disable-next-line require-yield
  async *stream(): AsyncGenerator<StreamPart> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

/** Per-step times of a long loop, from the moment each step's request leaves the middleware. */
async function longLoop(steps: number): Promise<number[]> {
  const stamps: bigint[] = [];
  const clock: ConversationMiddleware = {
    processRequest: () => {
      stamps.push(process.hrtime.bigint());
    },
  };
  const manager = await ConversationManager.create({
    llm: new ConstantToolModel(steps),
    storage: new MemoryConversationStore(),
    tools: { lookup },
    maxSteps: steps,
    middleware: [clock],
  });
  await manager.addMessage({ role: 'system', content: 'You look things up.' });
  await manager.addMessage({ role: 'user', content: 'Look up many keys.' });
  const result = await manager.complete();
  sink += result.steps.length;
  const durations: number[] = [];
  for (let index = 1; index < stamps.length; index += 1) durations.push(Number(stamps[index]! - stamps[index - 1]!));
  return durations;
}

export async function runToolsBench(): Promise<void> {
  const { loopNs, bareNs } = await overhead();
  console.table([
    {
      'loop (10 steps)': 'manager.complete()',
      'µs per turn': (loopNs / 1000).toFixed(1),
      'µs per step': (loopNs / STEPS / 1000).toFixed(1),
      'bare calls + tool runs + appends µs': (bareNs / 1000).toFixed(1),
      'ratio ×': (loopNs / bareNs).toFixed(2),
    },
  ]);
  process.stdout.write(
    `Goal: the loop ≤ 1.1× its provider calls plus the store appends (echo provider, memory store, no middleware; medians of ${ROUNDS}). (sink ${sink % 10})\n\n`,
  );
  const runs: number[][] = [];
  for (let run = 0; run < 7; run += 1) runs.push(await longLoop(200));
  const first = median(runs.slice(2).flatMap((durations) => durations.slice(0, 10)));
  const last = median(runs.slice(2).flatMap((durations) => durations.slice(-10)));
  console.table([
    {
      'loop of 200 steps': 'constant-cost model',
      'steps 1–10 µs (median)': (first / 1000).toFixed(1),
      'steps 190–199 µs (median)': (last / 1000).toFixed(1),
      'last vs first ×': (last / first).toFixed(2),
    },
  ]);
  process.stdout.write('Goal: the step-200 cost within 1.5× of step 1.\n');
}
