// Sizing measurements for docs/scaling.md: what one stored node and one turn cost PostgreSQL.
// Conversations are written through the real ConversationManager (system prompt, then turns
// of a ~400-character question and a ~1,500-character answer from a scripted echo model, with
// the performance and token-budget middleware adding their metadata) on the real
// PostgresConversationStore, by CLIENTS concurrent writers. Measured:
// - bytes per node: the node table with its indexes and TOAST, and the conversation table per
//   conversation, after the run (pg_total_relation_size), no VACUUM FULL;
// - PostgreSQL CPU per turn: user + system CPU of the store's own backend processes (found by
//   application_name, read from /proc), so other sessions on the server do not count;
// - WAL per turn: the server's WAL position before and after (an upper bound when other
//   sessions write at the same time);
// - client-side store time per turn (the appends and the cursor/metadata writes), p50/p99.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { ConversationManager, PerformanceMiddleware, TokenBudgetMiddleware } from '@dk/conversations';
import { EchoProvider } from '@dk/providers-echo';
import type { ConversationStore } from '@dk/spec';
import { createPostgresConversationStore } from '@dk/storage-postgres';
import pg from 'pg';
import { percentile } from './bench-stats.js';
import { postgresUrl } from './bench-postgres.js';

const CONVERSATIONS = Number(process.env['DK_BENCH_SIZING_CONVERSATIONS'] ?? 200);
const TURNS = Number(process.env['DK_BENCH_SIZING_TURNS'] ?? 20);
const CLIENTS = 8;
const clockTicks = 100; // USER_HZ on Linux

const question = 'How do I keep one conversation per customer when the same customer writes from two devices? '.repeat(
  4,
);
const answer =
  'Give each customer one conversation id and resume it on every device; the store appends per node and checks the version, so two devices writing at once get a conflict instead of a lost message. '.repeat(
    8,
  );

/** Wraps a store to time the calls a turn makes (client side, including the round trips). */
function timedStore(store: ConversationStore, spent: { ms: number; calls: Map<string, number> }): ConversationStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        spent.calls.set(String(property), (spent.calls.get(String(property)) ?? 0) + 1);
        const started = performance.now();
        try {
          return await (value as (...parameters: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          spent.ms += performance.now() - started;
        }
      };
    },
  });
}

function cpuSeconds(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / clockTicks;
  } catch {
    return undefined;
  }
}

async function backendCpu(admin: pg.Client, application: string): Promise<Map<number, number>> {
  const { rows } = await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [
    application,
  ]);
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const seconds = cpuSeconds(pid);
    if (seconds !== undefined) cpu.set(pid, seconds);
  }
  return cpu;
}

/** Prints bytes per node and PostgreSQL cost per turn. */
export async function runSizingBench(): Promise<void> {
  const schema = `dk_bench_sizing_${randomBytes(4).toString('hex')}`;
  const application = `dk-sizing-${randomBytes(4).toString('hex')}`;
  const url = new URL(postgresUrl);
  url.searchParams.set('application_name', application);
  const store = createPostgresConversationStore({
    connectionString: url.toString(),
    schema,
    maxConnections: CLIENTS,
  });
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await store.migrate();
    const llm = new EchoProvider({ responseFunction: () => answer });
    const perTurnMs: number[] = [];
    const calls = new Map<string, number>();
    const middleware = [
      new PerformanceMiddleware({ slowThresholdMs: 60_000 }),
      new TokenBudgetMiddleware({ maxTokens: 10_000_000 }),
    ];
    // Warm the pool so every backend exists before the CPU is sampled.
    await Promise.all(Array.from({ length: CLIENTS }, () => store.ping()));
    const cpuBefore = await backendCpu(admin, application);
    const walBefore = (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn')).rows[0]!.lsn;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (next < CONVERSATIONS) {
          next += 1;
          const spent = { ms: 0, calls: new Map<string, number>() };
          const storage = timedStore(store, spent);
          const manager = await ConversationManager.create({
            llm,
            storage,
            middleware,
            metadata: { userId: `user-${next % 97}`, tier: 'pro' },
          });
          await manager.addMessage({ role: 'system', content: 'You are the support assistant of Example Corp.' });
          for (let turn = 0; turn < TURNS; turn += 1) {
            spent.ms = 0;
            spent.calls.clear();
            await manager.addMessage({ role: 'user', content: `${turn}: ${question}` });
            await manager.complete();
            perTurnMs.push(spent.ms);
            for (const [name, count] of spent.calls) calls.set(name, (calls.get(name) ?? 0) + count);
          }
          await manager.close();
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const walAfter = (await admin.query<{ lsn: string }>('SELECT pg_current_wal_lsn() AS lsn')).rows[0]!.lsn;
    const cpuAfter = await backendCpu(admin, application);
    let cpu = 0;
    for (const [pid, after] of cpuAfter) cpu += after - (cpuBefore.get(pid) ?? 0);
    const wal = Number(
      (await admin.query<{ bytes: string }>('SELECT pg_wal_lsn_diff($1, $2) AS bytes', [walAfter, walBefore])).rows[0]!
        .bytes,
    );
    const sizes = await admin.query<{ relation: string; bytes: string; rows: string }>(
      `SELECT c.relname AS relation, pg_total_relation_size(c.oid) AS bytes,
              (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relkind = 'r'`,
      [schema],
    );
    const turns = CONVERSATIONS * TURNS;
    const nodes = CONVERSATIONS * (1 + 2 * TURNS);
    const table = new Map(
      sizes.rows.map((row) => [row.relation, { bytes: Number(row.bytes), rows: Number(row.rows) }]),
    );
    const nodeTable = table.get('dk_nodes');
    const conversationTable = table.get('dk_conversations');
    if (nodeTable?.rows !== nodes) throw new Error(`sizing bench: ${nodeTable?.rows} nodes stored, expected ${nodes}`);
    perTurnMs.sort((a, b) => a - b);
    const load = loadavg().map((value) => value.toFixed(2));
    console.log(
      `${CONVERSATIONS} conversations × (system prompt + ${TURNS} turns) = ${nodes} nodes, ${CLIENTS} concurrent writers; ` +
        `question ${question.length + 4} chars, answer ${answer.length} chars; ${availableParallelism()} cores; load average ${load.join(' ')}\n`,
    );
    console.log('| measure | value |');
    console.log('| --- | --- |');
    console.log(`| bytes per node (dk_nodes: heap + indexes + TOAST) | ${(nodeTable.bytes / nodes).toFixed(0)} |`);
    console.log(
      `| bytes per conversation (dk_conversations) | ${((conversationTable?.bytes ?? 0) / CONVERSATIONS).toFixed(0)} |`,
    );
    for (const [relation, { bytes, rows }] of table)
      if (relation !== 'dk_nodes' && relation !== 'dk_conversations')
        console.log(`| ${relation} | ${bytes} bytes, ${rows} rows |`);
    console.log(
      `| content bytes per node (average of the text) | ${((question.length + answer.length) / 2).toFixed(0)} |`,
    );
    console.log(`| PostgreSQL backend CPU per turn (ms) | ${((cpu * 1000) / turns).toFixed(3)} |`);
    console.log(`| WAL per turn (bytes, upper bound) | ${(wal / turns).toFixed(0)} |`);
    console.log(
      `| store time per turn, client side p50 / p99 (ms) | ${percentile(perTurnMs, 0.5).toFixed(2)} / ${percentile(perTurnMs, 0.99).toFixed(2)} |`,
    );
    const perTurnCalls = [...calls].map(([name, count]) => `${name} ×${(count / turns).toFixed(2)}`).join(', ');
    console.log(`| store calls per turn | ${perTurnCalls} |`);
    console.log(`| turns per second (${CLIENTS} writers, this machine) | ${(turns / seconds).toFixed(1)} |`);
    console.log(`| backends sampled | ${cpuAfter.size} |`);
  } finally {
    await store.close();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}
