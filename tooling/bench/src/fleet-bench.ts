// Fleet benchmark: chat turns per second through demo web servers (separate Node processes,
// the echo model, PostgreSQL storage) — one server with its limits in memory (the baseline),
// one server with every limiter, budget and cache in Redis, and three servers sharing one
// PostgreSQL schema and one Redis prefix, requests round-robin (every turn of a conversation
// on the next server, which reloads it) or sticky (a conversation stays on one server), all in
// the same run.
// Every turn is checked (status 200, a complete answer); the stored nodes are counted back
// through the tree API.
// The machine's cores bound what three servers can add: the table says how many there are,
// and gives the app servers' CPU time per turn (from /proc), which contention changes less.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { createRedisClient, createRedisRateLimiter } from '@dk/redis';
import { chatBody, startDemoServers } from '@dk/test-kit/demo-servers';
import pg from 'pg';
import { percentile } from './bench-stats.js';
import { postgresUrl } from './bench-postgres.js';

const redisUrl = process.env['DK_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const CLIENTS = Number(process.env['DK_BENCH_FLEET_CLIENTS'] ?? 12);
const TURNS = Number(process.env['DK_BENCH_FLEET_TURNS'] ?? 360);
/** Untimed turns per server first, so that every process has compiled its hot code before timing. */
const WARMUP_TURNS_PER_SERVER = 60;

interface Setup {
  readonly name: string;
  readonly servers: number;
  readonly redis: boolean;
  /** `round-robin`: every request to the next server; `sticky`: a conversation stays on one server. */
  readonly routing: 'round-robin' | 'sticky';
}

interface Result {
  readonly setup: Setup;
  /** User + system CPU of the app server processes per timed turn, in ms. */
  readonly appCpuMs: number;
  readonly turnsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly storedNodes: number;
}

async function turn(url: string, id: string, text: string, first: boolean): Promise<void> {
  const response = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatBody(id, text, first),
  });
  const body = await response.text();
  if (response.status !== 200 || !body.includes('"status":"complete"'))
    throw new Error(`fleet bench: turn on ${url} answered ${response.status}: ${body.slice(0, 300)}`);
}

/** User + system CPU seconds of a process so far (Linux `/proc`; 0 elsewhere). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** `turns` turns from CLIENTS concurrent clients, each on its own conversation, routed over `urls`. */
async function drive(
  urls: readonly string[],
  routing: Setup['routing'],
  tag: string,
  turns: number,
): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      let mine = 0;
      while (next < turns) {
        const index = next;
        next += 1;
        const started = performance.now();
        const url = urls[(routing === 'sticky' ? client : index) % urls.length]!;
        await turn(url, `${tag}-${client}`, `question ${index} about branches`, mine === 0);
        latencies.push(performance.now() - started);
        mine += 1;
      }
    }),
  );
  return latencies;
}

async function runSetup(setup: Setup): Promise<Result> {
  const schema = `dk_bench_fleet_${randomBytes(4).toString('hex')}`;
  const prefix = `dk-bench-fleet:${randomBytes(4).toString('hex')}:`;
  const servers = await startDemoServers({
    count: setup.servers,
    env: {
      DK_ENV: 'development',
      DK_PROVIDER: 'echo',
      DK_STREAM_DELAY_MS: '0',
      DK_STORAGE: 'postgres',
      DATABASE_URL: postgresUrl,
      DK_POSTGRES_SCHEMA: schema,
      ...(setup.redis ? { DK_REDIS_URL: redisUrl, DK_REDIS_PREFIX: prefix } : {}),
      DK_REQUEST_LIMIT: '100000000',
      DK_MODEL_CALL_LIMIT: '100000000',
      DK_LOG_LEVEL: 'warn',
    },
  });
  const database = new pg.Client({ connectionString: postgresUrl });
  await database.connect();
  try {
    await drive(servers.urls, setup.routing, 'warm', WARMUP_TURNS_PER_SERVER * setup.servers);
    const cpuBefore = servers.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const started = performance.now();
    const latencies = await drive(servers.urls, setup.routing, 'timed', TURNS);
    const seconds = (performance.now() - started) / 1000;
    const appCpuMs = ((servers.pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpuBefore) * 1000) / TURNS;
    latencies.sort((a, b) => a - b);
    let storedNodes = 0;
    for (let client = 0; client < CLIENTS; client += 1) {
      const url = servers.urls[client % servers.urls.length]!;
      const tree = (await (await fetch(`${url}/api/conversations/timed-${client}`)).json()) as { nodes: unknown[] };
      storedNodes += tree.nodes.length;
    }
    // Each turn stores the user message and the answer; each conversation also its system prompt.
    if (storedNodes !== 2 * TURNS + CLIENTS)
      throw new Error(`fleet bench: ${storedNodes} nodes stored, expected ${2 * TURNS + CLIENTS}`);
    return {
      setup,
      appCpuMs,
      turnsPerSecond: TURNS / seconds,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      storedNodes,
    };
  } finally {
    await servers.stop();
    await database.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await database.end();
    if (setup.redis) {
      const client = createRedisClient({ url: redisUrl });
      await createRedisRateLimiter({ client, prefix }).reset();
      await client.quit();
    }
  }
}

/** Prints the fleet table: turns per second and per-turn latency of each setup, vs one server in memory. */
export async function runFleetBench(): Promise<void> {
  const setups: Setup[] = [
    { name: '1 server, limits in memory', servers: 1, redis: false, routing: 'round-robin' },
    { name: '1 server, Redis', servers: 1, redis: true, routing: 'round-robin' },
    { name: '3 servers, Redis, round-robin', servers: 3, redis: true, routing: 'round-robin' },
    { name: '3 servers, Redis, sticky by conversation', servers: 3, redis: true, routing: 'sticky' },
  ];
  const results: Result[] = [];
  for (const setup of setups) results.push(await runSetup(setup));
  const baseline = results[0]!;
  const load = loadavg().map((value) => value.toFixed(2));
  console.log(
    `${TURNS} timed turns (after ${WARMUP_TURNS_PER_SERVER} per server) per setup, ${CLIENTS} concurrent clients, echo model, PostgreSQL storage; ` +
      `${availableParallelism()} cores; load average ${load.join(' ')}\n`,
  );
  console.log(
    '| setup | turns/s | vs 1 server (memory) | app CPU ms per turn | vs 1 server (memory) | turn p50 ms | turn p99 ms | nodes stored |',
  );
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const result of results)
    console.log(
      `| ${result.setup.name} | ${result.turnsPerSecond.toFixed(1)} | ${(result.turnsPerSecond / baseline.turnsPerSecond).toFixed(2)}× | ${result.appCpuMs.toFixed(2)} | ${(result.appCpuMs / baseline.appCpuMs).toFixed(2)}× | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${result.storedNodes} |`,
    );
}
