// Tool-loop benchmark (issue 14). Two questions, each answered against baselines from the
// same run:
//
// 1. Overhead per step: ConversationManager's loop (`complete()` of a 10-step turn) against
//    the same provider calls made bare (with the tool run directly), with the store appends
//    of the turn's nodes measured on their own. Goal: (loop − appends) ≤ 1.1× bare. Run with
//    the real `openai` and `@anthropic-ai/sdk` clients over HTTP to the local wire-protocol servers, which run in a
//    child process so the CPU figures are the client side's alone (a provider call costs what
//    a real SDK call costs on the client side), and with the in-process echo
//    provider (calls of microseconds: the row shows the loop's own cost per step).
// 2. Flatness: the per-step cost along a 200-step loop, as medians over windows of steps
//    (first 20 vs last 20) pooled over several runs, in total and with the provider's time
//    taken out (the loop's own share). Goal: the last window within 1.5× of the first.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { ConversationManager } from '@dk/conversations';
import type { ConversationMiddleware } from '@dk/conversations';
import { createAnthropicProvider } from '@dk/providers-anthropic';
import { EchoProvider } from '@dk/providers-echo';
import { createOpenAIProvider } from '@dk/providers-openai';
import type {
  CompletionOptions,
  ConversationNode,
  LLMInput,
  LLMMessage,
  LLMProvider,
  LLMResponse,
  StreamPart,
  Tool,
} from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { median } from './bench-stats.js';

const STEPS = 10;
const LONG_STEPS = 200;
const WINDOW = 20;
let sink = 0;

const lookup: Tool<{ key: string }> = {
  description: 'Looks a key up',
  parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
  execute: async ({ key }) => ({ key, value: key.length }),
};
const toolDefinitions = [{ name: 'lookup', description: lookup.description!, parameters: lookup.parameters! }];

/** The system and user messages of a `steps`-step turn (the HTTP server reads `steps` from the user message). */
function opening(steps: number): readonly LLMMessage[] {
  return [
    { role: 'system', content: 'You look things up.' },
    { role: 'user', content: `Look up ${steps} keys.` },
  ];
}

/** Wall and CPU time of one measured run, in microseconds. */
interface Sample {
  readonly wall: number;
  readonly cpu: number;
}

async function measure<T>(run: () => Promise<T>): Promise<{ value: T; sample: Sample }> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = await run();
  const wall = Number(process.hrtime.bigint() - start) / 1000;
  const used = process.cpuUsage(cpu);
  return { value, sample: { wall, cpu: used.user + used.system } };
}

/** What the model answers at step `step` (1-based) of a `steps`-step turn: a `lookup` call, or the answer. */
function answerAt(step: number, steps: number): { content: string; call?: { id: string; key: string } } {
  return step >= steps ? { content: 'All looked up.' } : { content: '', call: { id: `call_${step}`, key: `k${step}` } };
}

/** A provider family of the bench: a fresh provider for a `steps`-step turn, and its cleanup. */
interface Backend {
  readonly name: string;
  provider(steps: number): LLMProvider;
  close(): Promise<void>;
}

function echoBackend(): Backend {
  return {
    name: 'echo (in-process)',
    provider(steps) {
      let step = 0;
      return new EchoProvider({
        responseFunction: () => {
          step += 1;
          const { content, call } = answerAt(step, steps);
          return call === undefined
            ? content
            : { toolCalls: [{ id: call.id, name: 'lookup', arguments: { key: call.key } }] };
        },
      });
    },
    close: async () => {},
  };
}

/**
 * The OpenAI and Anthropic clients over HTTP to the wire-protocol servers, which run in a child
 * process (see tools-bench-server.ts). `close` of the last backend stops the child.
 */
async function httpBackends(): Promise<Backend[]> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@dk/source', new URL('./tools-bench-server.ts', import.meta.url).pathname],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout! });
  const [line] = (await once(lines, 'line')) as [string];
  lines.close();
  const [openAIURL, anthropicURL] = line.split(' ') as [string, string];
  const providers: [string, LLMProvider][] = [
    ['openai client over HTTP', createOpenAIProvider({ apiKey: 'sk-bench', baseURL: openAIURL, model: 'gpt-4o-mini' })],
    [
      'anthropic client over HTTP',
      createAnthropicProvider({ apiKey: 'sk-ant-bench', baseURL: anthropicURL, model: 'claude-haiku-4-5' }),
    ],
  ];
  let open = providers.length;
  return providers.map(([name, provider]) => ({
    name,
    provider: () => provider,
    async close() {
      await provider.close();
      open -= 1;
      if (open > 0) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  }));
}

/** The bare work of a turn: the provider calls on the growing messages and the tool run directly; no store. */
async function bareTurn(provider: LLMProvider, steps: number, signal?: AbortSignal): Promise<number> {
  const messages: LLMMessage[] = [...opening(steps)];
  for (;;) {
    const response = await provider.complete(messages, {
      tools: toolDefinitions,
      ...(signal === undefined ? {} : { signal }),
    });
    const call = response.toolCalls?.[0];
    messages.push({
      role: 'assistant',
      content: response.content,
      ...(call === undefined ? {} : { toolCalls: [call] }),
    });
    if (call === undefined) return messages.length;
    const output = await lookup.execute!(call.arguments as { key: string }, {
      signal: signal ?? new AbortController().signal,
      conversationId: 'bare',
      toolCallId: call.id,
    });
    messages.push({ role: 'tool', content: JSON.stringify(output), toolCallId: call.id });
  }
}

/** A manager for a `steps`-step turn (with `maxSteps` one above, so the turn ends with its answer). */
async function startManager(provider: LLMProvider, steps: number, middleware: ConversationMiddleware[] = []) {
  const manager = await ConversationManager.create({
    llm: provider,
    storage: new MemoryConversationStore(),
    tools: { lookup },
    maxSteps: steps + 1,
    middleware,
  });
  for (const message of opening(steps)) {
    await manager.addMessage({ role: message.role as 'system' | 'user', content: message.content });
  }
  return manager;
}

/** The store's share of a turn: the turn's nodes, exactly as the loop stored them, appended to a fresh store as the loop does. */
async function appendTurn(nodes: readonly ConversationNode[]): Promise<Sample> {
  const storage = new MemoryConversationStore();
  let record = await storage.create({});
  let parentId: string | null = null;
  const append = async (node: ConversationNode) => {
    const result = await storage.appendNode({
      conversationId: record.id,
      parentId,
      node: {
        role: node.role,
        content: node.content,
        metadata: node.metadata,
        ...(node.toolCalls === undefined ? {} : { toolCalls: node.toolCalls }),
        ...(node.toolCallId === undefined ? {} : { toolCallId: node.toolCallId }),
        ...(node.name === undefined ? {} : { name: node.name }),
      },
      moveCursor: true,
      expectedVersion: record.version,
    });
    record = result.conversation;
    parentId = result.node.id;
  };
  // The system and user messages come before the turn.
  for (const node of nodes.slice(0, 2)) await append(node);
  const { sample } = await measure(async () => {
    for (const node of nodes.slice(2)) await append(node);
  });
  return sample;
}

interface OverheadRow {
  readonly loop: Sample;
  readonly bare: Sample;
  /** The bare calls given an abort signal, as the loop gives them (cancellation has a cost in the clients). */
  readonly bareSignal: Sample;
  readonly appends: Sample;
  /** Median over rounds of each round's (loop − appends) / (bare+signal): robust to drift between rounds. */
  readonly pairedRatio: Sample;
}

/** Medians over `rounds` of the loop, the bare calls (without and with a signal) and the appends of one 10-step turn. */
async function overhead(backend: Backend, rounds: number): Promise<OverheadRow> {
  const loop: Sample[] = [];
  const bare: Sample[] = [];
  const bareSignal: Sample[] = [];
  const appends: Sample[] = [];
  const warmup = 6;
  let nodes: readonly ConversationNode[] = [];
  const runs = [
    async () => {
      const manager = await startManager(backend.provider(STEPS), STEPS);
      const looped = await measure(() => manager.complete());
      if (looped.value.steps.length !== STEPS) {
        throw new Error(`${backend.name}: expected ${STEPS} steps, got ${looped.value.steps.length}`);
      }
      nodes = manager.state.getCurrentNodes();
      await manager.close();
      return looped.sample;
    },
    async () => {
      const bared = await measure(() => bareTurn(backend.provider(STEPS), STEPS));
      sink += bared.value;
      return bared.sample;
    },
    async () => {
      const bared = await measure(() => bareTurn(backend.provider(STEPS), STEPS, new AbortController().signal));
      sink += bared.value;
      return bared.sample;
    },
  ] as const;
  for (let round = 0; round < rounds + warmup; round += 1) {
    // Rotate which goes first, so drift in the machine's load hits all alike.
    const samples: Sample[] = [];
    for (let index = 0; index < runs.length; index += 1) {
      const which = (round + index) % runs.length;
      samples[which] = await runs[which]!();
    }
    const appended = await appendTurn(nodes);
    if (round < warmup) continue;
    loop.push(samples[0]!);
    bare.push(samples[1]!);
    bareSignal.push(samples[2]!);
    appends.push(appended);
  }
  const middle = (samples: Sample[]): Sample => ({
    wall: median(samples.map((sample) => sample.wall)),
    cpu: median(samples.map((sample) => sample.cpu)),
  });
  const ratio = (clock: keyof Sample) =>
    median(loop.map((sample, round) => (sample[clock] - appends[round]![clock]) / bareSignal[round]![clock]));
  return {
    loop: middle(loop),
    bare: middle(bare),
    bareSignal: middle(bareSignal),
    appends: middle(appends),
    pairedRatio: { wall: ratio('wall'), cpu: ratio('cpu') },
  };
}

/** Times each `complete` call of the wrapped provider. */
class TimedProvider implements LLMProvider {
  readonly specificationVersion = 'v1';
  readonly durations: number[] = [];
  constructor(readonly inner: LLMProvider) {}
  get provider(): string {
    return this.inner.provider;
  }
  get modelId(): string {
    return this.inner.modelId;
  }
  async complete(input: LLMInput, options?: CompletionOptions): Promise<LLMResponse> {
    const start = process.hrtime.bigint();
    try {
      return await this.inner.complete(input, options);
    } finally {
      this.durations.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
  stream(input: LLMInput, options?: CompletionOptions): AsyncIterable<StreamPart> {
    return this.inner.stream(input, options);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/** A model whose cost does not grow with the messages: isolates the loop's own per-step cost. */
function constantBackend(): Backend {
  return {
    name: 'constant-cost model',
    provider(steps) {
      let step = 0;
      return {
        specificationVersion: 'v1',
        provider: 'constant',
        modelId: 'constant-model',
        async complete(): Promise<LLMResponse> {
          step += 1;
          const { content, call } = answerAt(step, steps);
          return {
            content,
            model: 'constant-model',
            finishReason: call === undefined ? 'stop' : 'tool_calls',
            usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 },
            warnings: [],
            metadata: {},
            ...(call === undefined
              ? {}
              : { toolCalls: [{ id: call.id, name: 'lookup', arguments: { key: call.key } }] }),
          };
        },
        // eslint-disable-next-line require-yield
        async *stream(): AsyncGenerator<StreamPart> {
          throw new Error('not used');
        },
        close: async () => {},
      };
    },
    close: async () => {},
  };
}

/** Per-step durations (µs) of one long loop, and the provider's time in each step. */
async function longLoop(backend: Backend): Promise<{ steps: number[]; provider: number[] }> {
  const stamps: bigint[] = [];
  const clock: ConversationMiddleware = {
    processRequest: () => {
      stamps.push(process.hrtime.bigint());
    },
  };
  const provider = new TimedProvider(backend.provider(LONG_STEPS));
  const manager = await startManager(provider, LONG_STEPS, [clock]);
  const result = await manager.complete();
  stamps.push(process.hrtime.bigint());
  await manager.close();
  if (result.steps.length !== LONG_STEPS) throw new Error(`expected ${LONG_STEPS} steps, got ${result.steps.length}`);
  const steps: number[] = [];
  for (let index = 1; index < stamps.length; index += 1) steps.push(Number(stamps[index]! - stamps[index - 1]!) / 1000);
  return { steps, provider: provider.durations };
}

async function flatness(backend: Backend, runs: number) {
  const first: number[] = [];
  const last: number[] = [];
  const firstOwn: number[] = [];
  const lastOwn: number[] = [];
  const providerTimes: number[] = [];
  for (let run = 0; run < runs + 1; run += 1) {
    const { steps, provider } = await longLoop(backend);
    if (run === 0) continue; // warm-up
    const own = steps.map((duration, index) => duration - (provider[index] ?? 0));
    providerTimes.push(...provider.slice(0, WINDOW));
    first.push(...steps.slice(0, WINDOW));
    last.push(...steps.slice(-WINDOW));
    firstOwn.push(...own.slice(0, WINDOW));
    lastOwn.push(...own.slice(-WINDOW));
  }
  return {
    provider: median(providerTimes),
    first: median(first),
    last: median(last),
    firstOwn: median(firstOwn),
    lastOwn: median(lastOwn),
  };
}

const format = (value: number): string => value.toFixed(1);

export async function runToolsBench(): Promise<void> {
  const backends = [echoBackend(), ...(await httpBackends())];
  try {
    const rows: Record<string, string>[] = [];
    for (const backend of backends) {
      const { loop, bare, bareSignal, appends, pairedRatio } = await overhead(
        backend,
        backend.name.startsWith('echo') ? 60 : 40,
      );
      for (const clock of ['wall', 'cpu'] as const) {
        rows.push({
          provider: backend.name,
          clock,
          'loop µs/step': format(loop[clock] / STEPS),
          'bare µs/step': format(bare[clock] / STEPS),
          'bare+signal µs/step': format(bareSignal[clock] / STEPS),
          'appends µs/step': format(appends[clock] / STEPS),
          'overhead µs/step': format((loop[clock] - bareSignal[clock] - appends[clock]) / STEPS),
          '(loop−appends)/bare ×': ((loop[clock] - appends[clock]) / bare[clock]).toFixed(2),
          '(loop−appends)/(bare+signal) ×': ((loop[clock] - appends[clock]) / bareSignal[clock]).toFixed(2),
          'same, median of rounds ×': pairedRatio[clock].toFixed(2),
        });
      }
    }
    console.table(rows);
    process.stdout.write(
      `Goal: (loop − appends) / bare ≤ 1.1× with a real provider client. Per step of a ${STEPS}-step turn, medians over 40–60 rounds (the last column: the median of each round's own ratio); bare = the same provider calls and tool runs by hand, bare+signal = the same given an abort signal as the loop gives its calls; appends = the turn's ${2 * STEPS - 1} nodes re-appended to a fresh memory store as the loop does; overhead = loop − bare+signal − appends. On a loaded machine read the CPU rows: wall time includes waiting for a core. (sink ${sink % 10})\n\n`,
    );

    const flatRows: Record<string, string>[] = [];
    for (const backend of [constantBackend(), ...backends]) {
      const figures = await flatness(backend, 5);
      flatRows.push({
        provider: backend.name,
        [`provider call µs (steps 1–${WINDOW})`]: format(figures.provider),
        [`steps 1–${WINDOW} µs`]: format(figures.first),
        [`steps ${LONG_STEPS - WINDOW + 1}–${LONG_STEPS} µs`]: format(figures.last),
        'last / first ×': (figures.last / figures.first).toFixed(2),
        'loop-own first µs': format(figures.firstOwn),
        'loop-own last µs': format(figures.lastOwn),
        'loop-own last / first ×': (figures.lastOwn / figures.firstOwn).toFixed(2),
      });
    }
    console.table(flatRows);
    process.stdout.write(
      `Goal: the last ${WINDOW} steps of a ${LONG_STEPS}-step loop within 1.5× of the first ${WINDOW} (medians of each window pooled over 5 runs after a warm-up; loop-own = step minus its provider call).\n`,
    );
  } finally {
    for (const backend of backends) await backend.close();
  }
}
