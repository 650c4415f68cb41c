// Peer comparison (issue #15): dk's conversation stores against the storage of the closest
// peers on the same backend, in one process, interleaved in blocks so all see the same load:
// Mastra's memory storage (`@mastra/pg`, `@mastra/libsql`) and LangGraph's checkpointers
// (`@langchain/langgraph-checkpoint-postgres`, `-sqlite`), each used the way its users use it
// (see peers-bench-contenders.ts). Every result is read back through the contender's own API.
//
// Measured: a chat turn (one message stored), reading a 10,000-message history, branching
// mid-history (at message 500 of 1,000) and listing a user's newest 20 of 10,000 conversations.
// Mastra is the 0.24 line and its stores: the last that supports Node 20 (1.x needs Node 22.13).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import { SqliteSaver } from '@langchain/langgraph-checkpoint-sqlite';
import type { BaseCheckpointSaver } from '@langchain/langgraph-checkpoint';
import { createClient } from '@libsql/client';
import type { MastraStorage } from '@mastra/core/storage';
import { LibSQLStore } from '@mastra/libsql';
import { PostgresStore } from '@mastra/pg';
import type { ConversationStore } from '@dk/spec';
import { createPostgresConversationStore } from '@dk/storage-postgres';
import { createSqliteConversationStore } from '@dk/storage-sqlite';
import Database from 'better-sqlite3';
import { postgresUrl, reachablePostgresPool } from './bench-postgres.js';
import { percentile } from './bench-stats.js';
import { dkConversation, langGraphConversation, mastraConversation } from './peers-bench-contenders.js';
import { interleave } from './storage-bench-baselines.js';
import type { Latency } from './storage-bench-baselines.js';

const contenders = ['dk', 'mastra', 'langgraph'] as const;
type Contender = (typeof contenders)[number];

interface Backend {
  readonly name: string;
  readonly dk: ConversationStore;
  readonly mastra: MastraStorage;
  readonly langGraph: BaseCheckpointSaver<number>;
  /** Timed chat turns per contender. */
  readonly turns: number;
  /** The durability settings each contender runs with (printed under the tables). */
  readonly settings: () => Promise<string>;
  readonly dispose: () => Promise<void>;
}

async function sqliteBackend(directory: string): Promise<Backend> {
  const dk = createSqliteConversationStore({ path: join(directory, 'dk.db'), indexedMetadataKeys: ['userId'] });
  await dk.migrate();
  const client = createClient({ url: `file:${join(directory, 'mastra.db')}` });
  const mastra = new LibSQLStore({ client });
  await mastra.init();
  const langGraphDatabase = new Database(join(directory, 'langgraph.db'));
  const langGraph = new SqliteSaver(langGraphDatabase);
  const pragmas = async (read: (name: string) => Promise<unknown> | unknown) =>
    `journal_mode=${String(await read('journal_mode'))}, synchronous=${String(await read('synchronous'))}`;
  return {
    name: 'sqlite',
    dk,
    mastra,
    langGraph,
    turns: 2000,
    settings: async () => {
      const dkDatabase = new Database(join(directory, 'dk.db'), { readonly: true });
      const dkMode = String(dkDatabase.pragma('journal_mode', { simple: true }));
      dkDatabase.close();
      const mastraSettings = await pragmas(async (name) => (await client.execute(`PRAGMA ${name}`)).rows[0]?.[0]);
      const langGraphSettings = await pragmas((name) => langGraphDatabase.pragma(name, { simple: true }));
      return (
        `sqlite: dk journal_mode=${dkMode}, synchronous=NORMAL (the store's setting); ` +
        `mastra (libsql) ${mastraSettings}; langgraph (better-sqlite3) ${langGraphSettings} (2 = FULL, 1 = NORMAL)`
      );
    },
    dispose: async () => {
      await dk.close();
      client.close();
      langGraphDatabase.close();
    },
  };
}

async function postgresBackend(): Promise<Backend | undefined> {
  const pool = await reachablePostgresPool();
  if (pool === undefined) return undefined;
  const prefix = `peers_${randomBytes(4).toString('hex')}`;
  const schemas = { dk: `${prefix}_dk`, mastra: `${prefix}_mastra`, langGraph: `${prefix}_langgraph` };
  const dk = createPostgresConversationStore({ pool, schema: schemas.dk, indexedMetadataKeys: ['userId'] });
  const mastra = new PostgresStore({ connectionString: postgresUrl, schemaName: schemas.mastra, max: 4 });
  const langGraph = new PostgresSaver(pool, undefined, { schema: schemas.langGraph });
  const dropSchemas = async () => {
    for (const schema of Object.values(schemas)) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  };
  try {
    await dk.migrate();
    await mastra.init();
    await langGraph.setup();
  } catch (error) {
    await dropSchemas();
    throw error;
  }
  return {
    name: 'postgres',
    dk,
    mastra,
    langGraph,
    turns: 1000,
    settings: async () => {
      const { rows } = await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit');
      return `postgres: one server, synchronous_commit=${rows[0]!.synchronous_commit}, each contender in its own schema (${prefix}_*), dropped at the end`;
    },
    dispose: async () => {
      await dk.close();
      await mastra.close();
      await dropSchemas();
      await pool.end();
    },
  };
}

/** Runs each contender `runs` times in alternation (first run a warm-up); µs per run. */
async function alternate(
  runs: number,
  operations: Readonly<Record<Contender, () => Promise<void>>>,
): Promise<Record<Contender, Latency>> {
  const times = new Map<Contender, number[]>(contenders.map((name) => [name, []]));
  for (let run = 0; run <= runs; run += 1) {
    for (const name of contenders) {
      const started = performance.now();
      await operations[name]();
      if (run > 0) times.get(name)!.push((performance.now() - started) * 1000);
    }
  }
  return Object.fromEntries(
    contenders.map((name) => {
      const sorted = times.get(name)!.sort((a, b) => a - b);
      return [name, { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99) }];
    }),
  ) as Record<Contender, Latency>;
}

const labels: Record<Contender, Record<string, string>> = {
  dk: { sqlite: 'dk (storage-sqlite)', postgres: 'dk (storage-postgres)' },
  mastra: { sqlite: 'Mastra (@mastra/libsql)', postgres: 'Mastra (@mastra/pg)' },
  langgraph: {
    sqlite: 'LangGraph (checkpoint-sqlite)',
    postgres: 'LangGraph (checkpoint-postgres)',
  },
};

function rows(backend: string, operation: string, results: Partial<Record<Contender, Latency>>, unit: 'µs' | 'ms') {
  const dk = results.dk!;
  const scale = unit === 'ms' ? 1 / 1000 : 1;
  const digits = unit === 'ms' ? 2 : 0;
  return contenders.flatMap((name) => {
    const result = results[name];
    if (result === undefined) return [];
    const ratio = `${(result.p50 / dk.p50).toFixed(2)}× / ${(result.p99 / dk.p99).toFixed(2)}×`;
    return [
      `| ${backend} | ${operation} | ${labels[name][backend]!} | ${(result.p50 * scale).toFixed(digits)} | ${(result.p99 * scale).toFixed(digits)} | ${name === 'dk' ? '1' : ratio} |`,
    ];
  });
}

function expectCount(contender: string, operation: string, actual: number, expected: number) {
  if (actual !== expected)
    throw new Error(`${contender} ${operation}: read back ${actual} messages, wrote ${expected}`);
}

/** Chat turns: one message stored per turn, interleaved in blocks; every conversation read back. */
async function appendRows(backend: Backend): Promise<string[]> {
  const conversations = {
    dk: await dkConversation(backend.dk, 'append'),
    mastra: await mastraConversation(backend.mastra, 'append'),
    langgraph: await langGraphConversation(backend.langGraph, 'append'),
  };
  const written = { dk: 0, mastra: 0, langgraph: 0 };
  const turn = (name: Contender) => async () => {
    await conversations[name].append();
    written[name] += 1;
  };
  // Shuffled blocks: LangGraph's turns leave much garbage and many written pages behind, which
  // the contender after it would otherwise always pay for.
  const contenderTurns = { dk: turn('dk'), mastra: turn('mastra'), langgraph: turn('langgraph') };
  const results = await interleave(backend.turns, contenderTurns, { shuffled: true });
  for (const name of contenders) {
    expectCount(name, 'append', await conversations[name].countMessages(), written[name]);
  }
  return rows(backend.name, `append (${written.dk} turns)`, results, 'µs');
}

/** Seeds a `size`-message conversation for each contender (dk through `appendNode`, peers in bulk). */
async function seedConversations(backend: Backend, id: string, size: number) {
  const dk = await dkConversation(backend.dk, id);
  for (let index = 0; index < size; index += 1) await dk.append();
  const mastra = await mastraConversation(backend.mastra, id);
  await mastra.appendMany(size);
  const langgraph = await langGraphConversation(backend.langGraph, id);
  return { dk, mastra, langgraph };
}

/** Reading a 10,000-message history (dk: get + path; Mastra: getMessages; LangGraph: getTuple). */
async function readRows(backend: Backend): Promise<string[]> {
  const size = 10_000;
  const { dk, mastra, langgraph } = await seedConversations(backend, 'history', size);
  await langgraph.appendMany(size);
  const check = (name: string, count: number) => expectCount(name, 'history read', count, size);
  const results = await alternate(10, {
    dk: async () => check('dk', (await dk.readHistory()).length),
    mastra: async () => check('mastra', (await mastra.readHistory(size)).length),
    langgraph: async () => check('langgraph', (await langgraph.readHistory()).length),
  });
  return rows(backend.name, `read ${size.toLocaleString('en-US')}-message history (10 runs)`, results, 'ms');
}

/**
 * Branching at message 500 of a 1,000-message conversation (dk: a sibling appended, cursor
 * moved; Mastra: a new thread with copies of the first 500 messages; LangGraph: a fork put
 * after the checkpoint that held 500 messages, which a turn-by-turn history has).
 */
async function branchRows(backend: Backend): Promise<string[]> {
  const size = 1_000;
  const { dk, mastra, langgraph } = await seedConversations(backend, 'branching', size);
  for (let index = 0; index < size; index += 1) await langgraph.append();
  const results = await alternate(30, {
    dk: () => dk.branchAt(size / 2),
    mastra: () => mastra.branchAt(size / 2),
    langgraph: () => langgraph.branchAt(size / 2),
  });
  return rows(backend.name, `branch at message 500 of ${size.toLocaleString('en-US')} (30 runs)`, results, 'ms');
}

/**
 * Listing one user's 20 most recently updated of 10,000 conversations (200 users): dk `list` on
 * an indexed metadata key, Mastra `getThreadsByResourceIdPaginated`. LangGraph's checkpointers
 * keep no thread records to list (threads are a LangGraph Platform feature).
 */
async function listRows(backend: Backend): Promise<string[]> {
  const count = 10_000;
  const now = new Date();
  for (let index = 0; index < count; index += 1) {
    const userId = `user-${index % 200}`;
    await backend.dk.create({ id: `list-${index}`, metadata: { userId } });
    await backend.mastra.saveThread({
      thread: { id: `list-${index}`, resourceId: userId, title: 'bench', metadata: {}, createdAt: now, updatedAt: now },
    });
  }
  const page = 20;
  const check = (name: string, length: number) => {
    if (length !== page) throw new Error(`${name} list read back ${length} conversations`);
  };
  const results = await alternate(30, {
    dk: async () => {
      const result = await backend.dk.list({ metadata: { userId: 'user-7' }, sortBy: 'updatedAt', limit: page });
      check('dk', result.items.length);
    },
    mastra: async () => {
      const result = await backend.mastra.getThreadsByResourceIdPaginated({
        resourceId: 'user-7',
        page: 0,
        perPage: page,
        orderBy: 'updatedAt',
        sortDirection: 'DESC',
      });
      check('mastra', result.threads.length);
    },
    langgraph: () => Promise.resolve(),
  });
  const { langgraph: _skipped, ...measured } = results;
  return rows(
    backend.name,
    `list a user's newest ${page} of ${count.toLocaleString('en-US')} (30 runs)`,
    measured,
    'ms',
  );
}

/** Prints the peer comparison: a table of chat turns (µs) and one of reads, branches and lists (ms). */
export async function runPeersBench(): Promise<void> {
  const directory = mkdtempSync(join(tmpdir(), 'dk-peers-bench-'));
  const appendTable: string[] = [];
  const otherTable: string[] = [];
  const notes: string[] = [];
  try {
    for (const open of [() => sqliteBackend(directory), postgresBackend]) {
      const backend = await open();
      if (backend === undefined) {
        notes.push(`postgres: skipped (no server at ${postgresUrl})`);
        continue;
      }
      try {
        const phases: string[] = [];
        const phase = async <Result>(name: string, run: () => Promise<Result>): Promise<Result> => {
          const started = performance.now();
          const result = await run();
          phases.push(`${name} ${((performance.now() - started) / 1000).toFixed(1)} s`);
          return result;
        };
        appendTable.push(...(await phase('append', () => appendRows(backend))));
        otherTable.push(...(await phase('read (with seeding)', () => readRows(backend))));
        otherTable.push(...(await phase('branch (with seeding)', () => branchRows(backend))));
        otherTable.push(...(await phase('list (with seeding)', () => listRows(backend))));
        notes.push(await backend.settings(), `${backend.name} wall time: ${phases.join(', ')}`);
      } finally {
        await backend.dispose();
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  const header = (unit: string) => [
    `| backend | operation | contender | p50 ${unit} | p99 ${unit} | ratio to dk (p50 / p99) |`,
    '| --- | --- | --- | ---: | ---: | ---: |',
  ];
  process.stdout.write(
    [
      'A chat turn: dk appendNode (child of the cursor, cursor moved); Mastra saveMessages of one message;',
      'LangGraph putWrites of the new message + put of the next checkpoint with the whole message list.',
      'Blocks of 50 turns per contender in a shuffled order each round, the first 10 % a warm-up.',
      '',
      ...header('µs'),
      ...appendTable,
      '',
      ...header('ms'),
      ...otherTable,
      '',
      ...notes.map((note) => `(${note})`),
      '',
    ].join('\n'),
  );
}
