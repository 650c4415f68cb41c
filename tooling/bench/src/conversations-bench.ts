// Conversation benchmark: one turn (addMessage + complete) through ConversationManager with
// four built-in middleware, the echo provider and the memory store, against a bare
// EchoProvider.complete call on the same messages, at conversation sizes of 10, 1,000 and
// 10,000 nodes. The tree is bushy (edits and regenerations branch off an active path of
// fixed depth), so only the tree size varies: a turn must cost the same at every size.
// A second table runs linear conversations (the whole conversation is the active path) with
// a context limit, which folds old turns into a summary so the path sent stays bounded.
import {
  ContentFilterMiddleware,
  ConversationManager,
  LlmSummarizer,
  LoggingMiddleware,
  PerformanceMiddleware,
  TokenBudgetMiddleware,
} from '@dk/conversations';
import type { ConversationLogger } from '@dk/conversations';
import { EchoProvider } from '@dk/providers-echo';
import type { LLMMessage, LLMProvider, LLMResponse, StreamPart } from '@dk/spec';
import { MemoryConversationStore } from '@dk/storage-memory';
import { median, random } from './bench-stats.js';

const SIZES = [10, 1_000, 10_000] as const;
const ROUNDS = 15;
const TURNS_PER_ROUND = 40;
const ACTIVE_DEPTH = 9;
const LINEAR_ROUNDS = 5;
let sink = 0;

const silent: ConversationLogger = { info() {}, warn() {}, error() {} };

const sentence = 'Could you explain how list comprehensions differ from generator expressions in Python?';

/**
 * A conversation of `size` nodes: a system root and an active path of {@link ACTIVE_DEPTH}
 * alternating user/assistant messages, the rest as user/assistant branches hanging off
 * random nodes (earlier edits and regenerations). The cursor ends on the last assistant node.
 */
async function buildConversation(
  storage: MemoryConversationStore,
  size: number,
  seed: number,
): Promise<{ id: string; baseId: string }> {
  const next = random(seed);
  const record = await storage.create({ metadata: { userId: 'bench' } });
  const id = record.id;
  const append = async (parentId: string | null, role: 'system' | 'user' | 'assistant', moveCursor = false) =>
    (
      await storage.appendNode({
        conversationId: id,
        parentId,
        node: {
          role,
          content: role === 'system' ? 'You are a helpful assistant.' : sentence,
          metadata:
            role === 'assistant'
              ? { model: 'echo-model', usage: { promptTokens: 40, completionTokens: 20, totalTokens: 60 } }
              : {},
        },
        moveCursor,
      })
    ).node.id;
  const path = [await append(null, 'system')];
  for (let depth = 1; depth <= ACTIVE_DEPTH; depth += 1)
    path.push(await append(path.at(-1)!, depth % 2 === 1 ? 'user' : 'assistant'));
  const all = [...path];
  while (all.length + 1 < size) {
    const parent = all[Math.floor(next() * all.length)]!;
    const user = await append(parent, 'user');
    all.push(user, await append(user, 'assistant'));
  }
  const baseId = path.at(-1)!;
  const current = (await storage.get({ conversationId: id }))!;
  await storage.updateConversation({ conversationId: id, currentNodeId: baseId, expectedVersion: current.version });
  return { id, baseId };
}

function middleware() {
  return [
    new LoggingMiddleware(silent),
    new ContentFilterMiddleware({ words: ['forbidden', 'classified'] }),
    new TokenBudgetMiddleware({ maxTokens: 1_000_000_000, logger: silent }),
    new PerformanceMiddleware({ logger: silent }),
  ];
}

interface Measured {
  readonly turnNs: number[];
  readonly bareNs: number[];
  /** Two plain store appends with the same nodes (the storage share of a turn), when measured. */
  readonly storeNs?: number[];
}

/** Times {@link TURNS_PER_ROUND} turns on a freshly built conversation of `size` nodes, and as many bare calls. */
async function round(size: number, seed: number, result: Measured): Promise<void> {
  const storage = new MemoryConversationStore();
  const llm = new EchoProvider();
  const { id, baseId } = await buildConversation(storage, size, seed);
  const manager = await ConversationManager.resume({ conversationId: id, llm, storage, middleware: middleware() });
  const messages: readonly LLMMessage[] = [...manager.state.getCurrentMessages(), { role: 'user', content: sentence }];
  const bare = new EchoProvider();
  for (let turn = 0; turn < TURNS_PER_ROUND; turn += 1) {
    // Each turn branches off the same node, so the active path keeps its length (untimed move).
    await manager.switchToNode(baseId);
    let start = process.hrtime.bigint();
    await manager.addMessage({ role: 'user', content: sentence });
    const response = await manager.complete();
    result.turnNs.push(Number(process.hrtime.bigint() - start));
    sink += response.content.length;

    start = process.hrtime.bigint();
    const bareResponse = await bare.complete(messages);
    result.bareNs.push(Number(process.hrtime.bigint() - start));
    sink += bareResponse.content.length;

    start = process.hrtime.bigint();
    const user = await storage.appendNode({
      conversationId: id,
      parentId: baseId,
      node: { role: 'user', content: sentence },
    });
    await storage.appendNode({
      conversationId: id,
      parentId: user.node.id,
      node: { role: 'assistant', content: response.content, metadata: response.node.metadata },
    });
    result.storeNs?.push(Number(process.hrtime.bigint() - start));
  }
  llm.clearHistory();
  bare.clearHistory();
}

/** A linear conversation of `size` nodes (system root, then alternating user/assistant), cursor at the end. */
async function buildLinearConversation(storage: MemoryConversationStore, size: number): Promise<string> {
  const record = await storage.create({});
  let parentId: string | null = null;
  for (let index = 0; index < size; index += 1) {
    const role = index === 0 ? 'system' : index % 2 === 1 ? 'user' : 'assistant';
    const result = await storage.appendNode({
      conversationId: record.id,
      parentId,
      node: { role, content: index === 0 ? 'You are a helpful assistant.' : sentence },
      moveCursor: true,
    });
    parentId = result.node.id;
  }
  return record.id;
}

/**
 * Times turns on a linear conversation with a context limit. Reported apart: the first turn
 * (which folds the whole history once) and the turns that summarise (`bareNs` is reused
 * for them).
 */
async function linearRound(size: number, result: Measured & { firstNs: number[] }): Promise<void> {
  const storage = new MemoryConversationStore();
  // A summarizer answer of fixed length (the plain echo would repeat the whole transcript).
  const llm = new EchoProvider({
    patterns: [
      {
        pattern: /^Summarize the conversation excerpt/,
        response: 'Summary: the user keeps asking about comprehensions and generators.',
      },
    ],
  });
  const id = await buildLinearConversation(storage, size);
  const manager = await ConversationManager.resume({
    conversationId: id,
    llm,
    storage,
    middleware: middleware(),
    contextLimit: { maxMessages: 20, keepRecentMessages: 6, summarizer: new LlmSummarizer({ llm }) },
  });
  for (let turn = 0; turn < TURNS_PER_ROUND; turn += 1) {
    const depthBefore = manager.state.getCurrentMessages().length;
    const start = process.hrtime.bigint();
    await manager.addMessage({ role: 'user', content: sentence });
    const response = await manager.complete();
    const elapsed = Number(process.hrtime.bigint() - start);
    const compacted = manager.state.getCurrentMessages().length < depthBefore;
    if (turn === 0) result.firstNs.push(elapsed);
    else if (compacted) result.bareNs.push(elapsed);
    else result.turnNs.push(elapsed);
    sink += response.content.length;
    llm.clearHistory();
  }
}

async function runLinear(): Promise<void> {
  const results = new Map(
    SIZES.map((size) => [size, { turnNs: [] as number[], bareNs: [] as number[], firstNs: [] as number[] }]),
  );
  for (const size of SIZES) await linearRound(size, { turnNs: [], bareNs: [], firstNs: [] });
  for (let index = 0; index < LINEAR_ROUNDS; index += 1) {
    for (let step = 0; step < SIZES.length; step += 1) {
      const size = SIZES[(step + index) % SIZES.length]!;
      await linearRound(size, results.get(size)!);
    }
  }
  const smallest = median(results.get(SIZES[0])!.turnNs);
  console.table(
    SIZES.map((size) => {
      const measured = results.get(size)!;
      return {
        'linear nodes': size.toLocaleString('en-US'),
        'turn µs': (median(measured.turnNs) / 1000).toFixed(1),
        'vs 10 nodes ×': (median(measured.turnNs) / smallest).toFixed(2),
        'summarizing turn µs (every 7th)': (median(measured.bareNs) / 1000).toFixed(1),
        'first turn µs (folds the history once)': (median(measured.firstNs) / 1000).toFixed(1),
      };
    }),
  );
}

/** A provider whose cost does not depend on the messages: isolates dk's own per-turn work. */
class ConstantProvider implements LLMProvider {
  readonly specificationVersion = 'v1';
  readonly provider = 'constant';
  readonly modelId = 'constant-model';
  async complete(): Promise<LLMResponse> {
    return {
      content: 'A fixed answer.',
      model: this.modelId,
      finishReason: 'stop',
      usage: { promptTokens: 10, completionTokens: 4, totalTokens: 14 },
      warnings: [],
      metadata: {},
    };
  }
  // eslint-disable-next-line require-yield
  async *stream(): AsyncGenerator<StreamPart> {
    throw new Error('not used');
  }
  async close(): Promise<void> {}
}

const DEEP_DEPTHS = [10, 1_000, 10_000] as const;
/** Rounds of {@link TURNS_PER_ROUND} turns per depth, the first a warm-up. */
const DEEP_ROUNDS = 8;

/**
 * Turns at the end of one long active path (no context limit, so the whole path is sent),
 * with a provider of constant cost: the manager's own work must not grow with depth,
 * apart from handing the path to the provider. The store's two appends at the same depth
 * are timed apart and subtracted.
 */
async function runDeep(): Promise<void> {
  const rows = [];
  const own = new Map<number, number>();
  const timed = new Map(DEEP_DEPTHS.map((depth) => [depth, { turnNs: [] as number[], storeNs: [] as number[] }]));
  // Rounds outermost, so every depth sees the same machine (blocks of turns interleaved).
  for (let roundIndex = 0; roundIndex < DEEP_ROUNDS; roundIndex += 1) {
    for (const depth of DEEP_DEPTHS) {
      const { turnNs, storeNs } = timed.get(depth)!;
      const storage = new MemoryConversationStore();
      const id = await buildLinearConversation(storage, depth);
      const manager = await ConversationManager.resume({
        conversationId: id,
        llm: new ConstantProvider(),
        storage,
        middleware: middleware(),
      });
      for (let turn = 0; turn < TURNS_PER_ROUND; turn += 1) {
        let start = process.hrtime.bigint();
        await manager.addMessage({ role: 'user', content: sentence });
        const response = await manager.complete();
        if (roundIndex > 0) turnNs.push(Number(process.hrtime.bigint() - start));
        sink += response.content.length;
        const parentId = manager.state.currentNodeId!;
        start = process.hrtime.bigint();
        const user = await storage.appendNode({
          conversationId: id,
          parentId,
          node: { role: 'user', content: sentence },
        });
        await storage.appendNode({
          conversationId: id,
          parentId: user.node.id,
          node: { role: 'assistant', content: response.content, metadata: response.node.metadata },
        });
        if (roundIndex > 0) storeNs.push(Number(process.hrtime.bigint() - start));
      }
    }
  }
  for (const depth of DEEP_DEPTHS) {
    const { turnNs, storeNs } = timed.get(depth)!;
    const turn = median(turnNs);
    const store = median(storeNs);
    own.set(depth, turn - store);
    rows.push({
      'active path': depth.toLocaleString('en-US'),
      'turn µs': (turn / 1000).toFixed(1),
      'of which 2 store appends µs': (store / 1000).toFixed(1),
      "dk's own µs": ((turn - store) / 1000).toFixed(1),
      'own vs depth 10 ×': ((turn - store) / own.get(DEEP_DEPTHS[0])!).toFixed(2),
    });
  }
  console.table(rows);
}

/** Runs the suite and prints a table of medians (µs per turn), overhead ratios and flatness. */
export async function runConversationsBench(): Promise<void> {
  const results = new Map<number, Measured>(SIZES.map((size) => [size, { turnNs: [], bareNs: [], storeNs: [] }]));
  // Warm-up round (JIT), discarded.
  for (const size of SIZES) await round(size, 1, { turnNs: [], bareNs: [] });
  for (let index = 0; index < ROUNDS; index += 1) {
    // Rotate the order so no size always runs first.
    for (let step = 0; step < SIZES.length; step += 1) {
      const size = SIZES[(step + index) % SIZES.length]!;
      await round(size, 100 + index, results.get(size)!);
    }
  }
  const smallest = median(results.get(SIZES[0])!.turnNs);
  const rows = SIZES.map((size) => {
    const measured = results.get(size)!;
    const turn = median(measured.turnNs);
    const bare = median(measured.bareNs);
    return {
      nodes: size.toLocaleString('en-US'),
      'turn µs (manager + 4 mw)': (turn / 1000).toFixed(1),
      'bare echo.complete µs': (bare / 1000).toFixed(1),
      'overhead ×': (turn / bare).toFixed(2),
      'of which 2 store appends µs': (median(measured.storeNs!) / 1000).toFixed(1),
      'vs 10 nodes ×': (turn / smallest).toFixed(2),
    };
  });
  console.table(rows);
  const largest = median(results.get(SIZES.at(-1)!)!.turnNs) / smallest;
  process.stdout.write(
    `Per-turn cost at 10,000 nodes is ${largest.toFixed(2)}× the cost at 10 nodes (goal ≤ 1.5×). ` +
      `${ROUNDS} rounds × ${TURNS_PER_ROUND} turns per size; active path ${ACTIVE_DEPTH + 1} messages + the new turn. (sink ${sink % 10})\n\n`,
  );
  process.stdout.write(
    'Linear conversations with contextLimit { maxMessages: 20, keepRecentMessages: 6 } (LlmSummarizer over the echo provider, fixed-length summaries):\n',
  );
  await runLinear();
  process.stdout.write(
    '\nDeep active paths (no context limit: the whole path is sent), constant-cost provider, 4 middleware, memory store:\n',
  );
  await runDeep();
}
