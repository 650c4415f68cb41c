// Shared-state benchmark: the per-call cost of a rate-limit check, a cache hit and a
// conversation read-cache hit, in process memory and on Redis (the machine's server), against
// raw baselines in the same run: a PING round trip; a minimal hand-written sliding-window Lua
// script and a bare MGET + JSON.parse, both through bare ioredis; and the PostgreSQL read the
// conversation cache saves. Every result is read back and checked (admitted counts, hit
// status, sizes). Calls are sequential: latency per call, not throughput.
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { CachingConversationStore, MemoryKeyValueCache, MemoryRateLimiter } from '@dk/conversations';
import { createRedisClient, RedisKeyValueCache, RedisRateLimiter } from '@dk/redis';
import type { RedisClient } from '@dk/redis';
import type { ConversationStore, KeyValueCache, RateLimiter } from '@dk/spec';
import { createPostgresConversationStore } from '@dk/storage-postgres';
import { reachablePostgresPool } from './bench-postgres.js';
import { percentile } from './bench-stats.js';

const redisUrl = process.env['DK_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const CALLS = 5_000;
const WARMUP = 500;
const KEYS = 50;
const LIMIT = 60;
const PATH_LENGTH = 20;

interface Timing {
  readonly p50: number;
  readonly p99: number;
}

/** Runs `call` CALLS times after WARMUP untimed calls (negative indexes); per-call microseconds. */
async function time(call: (index: number) => Promise<void>): Promise<Timing> {
  for (let index = 1; index <= WARMUP; index += 1) await call(-index);
  const samples: number[] = [];
  for (let index = 0; index < CALLS; index += 1) {
    const started = process.hrtime.bigint();
    await call(index);
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99) };
}

function row(what: string, backend: string, timing: Timing, baseline: Timing | undefined, checked: string): string {
  const ratio = baseline === undefined ? '—' : `${(timing.p50 / baseline.p50).toFixed(2)}×`;
  return `| ${what} | ${backend} | ${timing.p50.toFixed(1)} | ${timing.p99.toFixed(1)} | ${ratio} | ${checked} |`;
}

function check(what: string, condition: boolean): void {
  if (!condition) throw new Error(`redis bench: ${what}`);
}

/** The key of call `index`: the warm-up and the timed calls use different keys. */
const keyOf = (index: number): string => `${index < 0 ? 'warm' : 'key'}:${Math.abs(index) % KEYS}`;

/** KEYS × LIMIT of the timed checks are admitted, whatever the backend. */
async function limiterRow(name: string, limiter: RateLimiter, baseline?: Timing): Promise<[string, Timing]> {
  let admitted = 0;
  const timing = await time(async (index) => {
    const decision = await limiter.check({ key: keyOf(index), limit: LIMIT, windowMs: 600_000 });
    check(`${name}: degraded answer`, !decision.degraded);
    if (index >= 0 && decision.allowed) admitted += 1;
  });
  check(`${name} admitted ${admitted}`, admitted === KEYS * LIMIT);
  return [row('rate-limit check', name, timing, baseline, `${admitted}/${CALLS} admitted`), timing];
}

/** What a check costs written by hand: the smallest sliding-window script, bare ioredis. */
async function rawLimiterRow(client: RedisClient, prefix: string): Promise<[string, Timing]> {
  const lua = `redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;
  const sha = (await client.script('LOAD', lua)) as string;
  let admitted = 0;
  let member = 0;
  const timing = await time(async (index) => {
    const key = `${prefix}raw:{${keyOf(index)}}`;
    const allowed = await client.evalsha(sha, 1, key, Date.now(), 600_000, LIMIT, (member += 1));
    if (index >= 0 && allowed === 1) admitted += 1;
  });
  check(`raw script admitted ${admitted}`, admitted === KEYS * LIMIT);
  return [
    row('rate-limit check', 'raw Lua script (ioredis)', timing, undefined, `${admitted}/${CALLS} admitted`),
    timing,
  ];
}

async function pingRow(client: RedisClient): Promise<[string, Timing]> {
  let answers = 0;
  const timing = await time(async (index) => {
    if ((await client.ping()) === 'PONG' && index >= 0) answers += 1;
  });
  check('PING answers', answers === CALLS);
  return [row('round trip', 'PING (ioredis)', timing, undefined, `${answers} PONG`), timing];
}

const entry = { text: 'x'.repeat(1000), list: [1, 2, 3] };

/** Hits on one grouped entry of about 1 KB. */
async function cacheRow(name: string, cache: KeyValueCache, baseline?: Timing): Promise<[string, Timing]> {
  await cache.set({ group: 'conversation-1', key: 'record', value: entry, ttlMs: 600_000 });
  let hits = 0;
  const timing = await time(async (index) => {
    const found = await cache.get({ group: 'conversation-1', key: 'record' });
    check(`${name}: no hit`, found.status === 'hit' && (found.value as typeof entry).text.length === 1000);
    if (index >= 0) hits += 1;
  });
  return [row('cache hit (1 KB JSON)', name, timing, baseline, `${hits} hits`), timing];
}

/** The floor of a versioned Redis cache hit: MGET of entry and version, JSON.parse. */
async function rawCacheRow(client: RedisClient, prefix: string): Promise<[string, Timing]> {
  const [entryKey, versionKey] = [`${prefix}raw:{g}:record`, `${prefix}raw:{g}:v`];
  await client.set(entryKey, JSON.stringify(entry), 'PX', 600_000);
  await client.set(versionKey, '0', 'PX', 600_000);
  let hits = 0;
  const timing = await time(async (index) => {
    const [stored, version] = await client.mget(entryKey, versionKey);
    const value = JSON.parse(stored!) as typeof entry;
    check('raw cache: no hit', version === '0' && value.text.length === 1000);
    if (index >= 0) hits += 1;
  });
  return [row('cache hit (1 KB JSON)', 'raw MGET + JSON.parse (ioredis)', timing, undefined, `${hits} hits`), timing];
}

/** `getPath` of a PATH_LENGTH-node path: from PostgreSQL, and as a cache hit in front of it. */
async function pathRows(client: RedisClient, prefix: string): Promise<string[]> {
  const pool = await reachablePostgresPool(2);
  if (pool === undefined) return ['| getPath (20 nodes) | postgres | — | — | — | PostgreSQL unreachable: skipped |'];
  const schema = `dk_bench_redis_${randomBytes(4).toString('hex')}`;
  const postgres = createPostgresConversationStore({ pool, schema });
  try {
    await postgres.migrate();
    const { id } = await postgres.create();
    let parentId: string | null = null;
    for (let index = 0; index < PATH_LENGTH; index += 1) {
      const role: 'user' | 'assistant' = index % 2 === 0 ? 'user' : 'assistant';
      const { node }: { node: { id: string } } = await postgres.appendNode({
        conversationId: id,
        parentId,
        node: { role, content: `message ${index} ${'lorem ipsum '.repeat(10)}` },
        moveCursor: true,
      });
      parentId = node.id;
    }
    const reference = { conversationId: id, nodeId: parentId! };
    const measure = async (name: string, store: ConversationStore, baseline?: Timing): Promise<[string, Timing]> => {
      let nodes = 0;
      const timing = await time(async (index) => {
        const path = await store.getPath(reference);
        check(`${name}: path of ${path.length}`, path.length === PATH_LENGTH);
        if (index >= 0) nodes += path.length;
      });
      return [row(`getPath (${PATH_LENGTH} nodes)`, name, timing, baseline, `${nodes} nodes read`), timing];
    };
    const [direct, baseline] = await measure('postgres (store of record)', postgres);
    const redisCache = new RedisKeyValueCache({ client, prefix: `${prefix}paths:` });
    const [viaRedis] = await measure(
      'read cache on redis',
      new CachingConversationStore({ store: postgres, cache: redisCache, ttlMs: 600_000 }),
      baseline,
    );
    const [viaMemory] = await measure(
      'read cache in memory',
      new CachingConversationStore({ store: postgres, cache: new MemoryKeyValueCache(), ttlMs: 600_000 }),
      baseline,
    );
    return [direct, viaRedis, viaMemory];
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
}

export async function runRedisBench(): Promise<void> {
  const client = createRedisClient({ url: redisUrl });
  const prefix = `dk-bench:${randomBytes(6).toString('hex')}:`;
  try {
    await client.ping();
  } catch {
    client.disconnect();
    process.stdout.write(`Redis at ${redisUrl} is unreachable: suite skipped.\n`);
    return;
  }
  try {
    const load = loadavg().map((value) => value.toFixed(2));
    process.stdout.write(
      `Per call, sequential, ${CALLS} timed calls after ${WARMUP} warm-up (µs). Redis ${redisUrl} on loopback; load average ${load.join(' ')}.\n` +
        'Ratio: p50 against the row the comparison is about (Redis rows: the raw ioredis baseline; read cache: PostgreSQL).\n\n' +
        '| operation | backend | p50 µs | p99 µs | ratio | read back |\n| --- | --- | ---: | ---: | ---: | --- |\n',
    );
    const lines: string[] = [];
    const [ping] = await pingRow(client);
    lines.push(ping);
    const [rawScript, rawScriptTiming] = await rawLimiterRow(client, prefix);
    lines.push(rawScript);
    lines.push(
      (await limiterRow('redis (RedisRateLimiter)', new RedisRateLimiter({ client, prefix }), rawScriptTiming))[0],
    );
    lines.push((await limiterRow('memory (MemoryRateLimiter)', new MemoryRateLimiter()))[0]);
    const [rawCache, rawCacheTiming] = await rawCacheRow(client, prefix);
    lines.push(rawCache);
    lines.push(
      (await cacheRow('redis (RedisKeyValueCache)', new RedisKeyValueCache({ client, prefix }), rawCacheTiming))[0],
    );
    lines.push((await cacheRow('memory (MemoryKeyValueCache)', new MemoryKeyValueCache()))[0]);
    lines.push(...(await pathRows(client, prefix)));
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await new RedisRateLimiter({ client, prefix }).reset();
    await client.quit();
  }
}
