// Three demo web servers as separate processes on one PostgreSQL schema and one Redis prefix
// (the echo model), requests round-robin, as behind a load balancer: limits hold globally, a
// conversation moves between servers turn by turn, and concurrent writes of one conversation
// on two servers end in a clean conflict that a retry resolves, with nothing lost.
import type { TreeView } from '@dk/http';
import { createRedisClient, createRedisRateLimiter } from '@dk/redis';
import {
  chatBody,
  dropSchema,
  postgresTestUrl,
  randomRedisPrefix,
  randomSchemaName,
  redisTestUrl,
  shouldSkipPostgres,
  shouldSkipRedis,
  startDemoServers,
} from '@dk/test-kit';
import type { DemoServers } from '@dk/test-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const skip = (await shouldSkipPostgres()) || (await shouldSkipRedis());
const requestLimit = 30;
const modelCallLimit = 9;

interface TurnOutcome {
  readonly status: number;
  readonly code: string | undefined;
  readonly complete: boolean;
}

async function turn(url: string, id: string, text: string, first = false): Promise<TurnOutcome> {
  const response = await fetch(`${url}/api/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: chatBody(id, text, first),
  });
  const body = await response.text();
  if (response.status !== 200)
    return {
      status: response.status,
      code: (JSON.parse(body) as { error: { code: string } }).error.code,
      complete: false,
    };
  return { status: 200, code: undefined, complete: body.includes('"status":"complete"') };
}

async function tree(url: string, id: string): Promise<TreeView> {
  return (await (await fetch(`${url}/api/conversations/${id}`)).json()) as TreeView;
}

describe.skipIf(skip)('three demo servers on one PostgreSQL and one Redis', () => {
  const schema = randomSchemaName('dk_multi');
  const prefix = randomRedisPrefix('dk-multi');
  const redis = createRedisClient({ url: redisTestUrl() });
  let servers: DemoServers;
  let urls: readonly string[];

  beforeAll(async () => {
    servers = await startDemoServers({
      count: 3,
      env: {
        DK_ENV: 'development',
        DK_PROVIDER: 'echo',
        DK_STREAM_DELAY_MS: '0',
        DK_STORAGE: 'postgres',
        DATABASE_URL: postgresTestUrl(),
        DK_POSTGRES_SCHEMA: schema,
        DK_REDIS_URL: redisTestUrl(),
        DK_REDIS_PREFIX: prefix,
        DK_REQUEST_LIMIT: String(requestLimit),
        DK_MODEL_CALL_LIMIT: String(modelCallLimit),
        DK_LOG_LEVEL: 'warn',
      },
      startTimeoutMs: 100_000,
    });
    urls = servers.urls;
  }, 120_000);
  afterAll(async () => {
    await servers?.stop();
    await createRedisRateLimiter({ client: redis, prefix }).reset();
    await redis.quit();
    await dropSchema(schema);
  });

  /** Forgets the counted requests and model calls, so each test starts with the full limits. */
  async function resetLimits(): Promise<void> {
    await createRedisRateLimiter({ client: redis, prefix: `${prefix}ratelimit:` }).reset();
  }

  it('moves one conversation between the servers turn by turn', async () => {
    await resetLimits();
    const outcomes: TurnOutcome[] = [];
    for (let index = 0; index < 6; index += 1)
      outcomes.push(await turn(urls[index % 3]!, 'moving', `turn ${index}`, index === 0));
    expect(outcomes).toEqual(Array.from({ length: 6 }, () => ({ status: 200, code: undefined, complete: true })));
    // Read back from a server: one unbranched path, system prompt then six turns in order.
    const view = await tree(urls[1]!, 'moving');
    expect(view.nodes.map((node) => node.role)).toEqual([
      'system',
      ...Array.from({ length: 6 }, () => ['user', 'assistant']).flat(),
    ]);
    expect(view.nodes.filter((node) => node.role === 'user').map((node) => node.text)).toEqual(
      Array.from({ length: 6 }, (_, index) => `turn ${index}`),
    );
    expect(view.nodes.every((node) => node.active)).toBe(true);
  }, 60_000);

  it('ends concurrent writes on two servers in a clean conflict and a retry, nothing lost', async () => {
    await resetLimits();
    expect(await turn(urls[0]!, 'contested', 'opening', true)).toMatchObject({ status: 200, complete: true });
    let conflicts = 0;
    const sent: string[] = [];
    for (let round = 0; round < 4; round += 1) {
      const texts = [`round ${round} on server 1`, `round ${round} on server 2`];
      sent.push(...texts);
      // Both at the same moment, each retried (as a client would) after a 409 until it lands.
      await Promise.all(
        texts.map(async (text, index) => {
          for (let attempt = 0; attempt < 5; attempt += 1) {
            const outcome = await turn(urls[index + 1]!, 'contested', text);
            if (outcome.status === 200) return expect(outcome.complete).toBe(true);
            expect(outcome).toMatchObject({ status: 409, code: 'CONVERSATION_CONFLICT' });
            conflicts += 1;
          }
          throw new Error(`"${text}" still conflicted after 5 attempts`);
        }),
      );
    }
    expect(conflicts).toBeGreaterThan(0);
    // Every message sent is stored once, with its answer (on the active path or on a branch).
    const view = await tree(urls[0]!, 'contested');
    const users = view.nodes.filter((node) => node.role === 'user');
    expect(users.map((node) => node.text).sort()).toEqual(['opening', ...sent].sort());
    for (const user of users)
      expect(view.nodes.some((node) => node.parentId === user.id && node.role === 'assistant')).toBe(true);
    console.log(`concurrent writes: 8 messages over 4 rounds, ${conflicts} clean conflict(s) retried, 0 lost`);
  }, 60_000);

  it('holds the per-client request limit and the per-user model-call limit across the servers', async () => {
    await resetLimits();
    // 15 turns round-robin from one client (one user): the model-call limit admits 9.
    const turns: TurnOutcome[] = [];
    for (let index = 0; index < 15; index += 1)
      turns.push(await turn(urls[index % 3]!, `limited-${index}`, 'hello', true));
    const modelAdmitted = turns.filter((outcome) => outcome.status === 200 && outcome.complete).length;
    expect(turns.filter((outcome) => outcome.status !== 200).map((outcome) => outcome.code)).toEqual(
      Array.from({ length: 15 - modelCallLimit }, () => 'RATE_LIMIT_EXCEEDED'),
    );
    // 30 more requests round-robin: the request limit (the 15 turns counted) admits 15 more.
    const reads: number[] = [];
    for (let index = 0; index < 30; index += 1)
      reads.push((await fetch(`${urls[index % 3]}/api/conversations`)).status);
    const requestsAdmitted = 15 + reads.filter((status) => status === 200).length;
    expect(reads.slice(15).every((status) => status === 429)).toBe(true);
    expect([requestsAdmitted, modelAdmitted]).toEqual([requestLimit, modelCallLimit]);
    console.log(
      [
        'limit (3 servers, round-robin)   | configured | sent | admitted across servers',
        `HTTP requests per client / 60 s  | ${requestLimit}         | 45   | ${requestsAdmitted}`,
        `model calls per user / 60 s      | ${modelCallLimit}          | 15   | ${modelAdmitted}`,
      ].join('\n'),
    );
  }, 60_000);
});
