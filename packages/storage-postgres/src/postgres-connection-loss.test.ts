import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ConversationStoreError, StoreUnavailableError } from '@dk/spec';
import type { ConversationNode } from '@dk/spec';
import { dropSchema, postgresTestUrl, randomSchemaName, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';

// Connection loss is simulated by terminating the store's own backends (found by a unique
// `application_name`), never by restarting the shared server.
const skip = await shouldSkipPostgres();
const schema = randomSchemaName('dk_connection_loss');
const admin = new pg.Pool({ connectionString: postgresTestUrl(), max: 2, application_name: 'dk_test_admin' });
afterAll(async () => {
  await admin.end();
  if (!skip) await dropSchema(schema);
});

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

function applicationName(): string {
  return `dk_test_${randomBytes(5).toString('hex')}`;
}

function urlFor(application: string): string {
  const url = new URL(postgresTestUrl());
  url.searchParams.set('application_name', application);
  return url.toString();
}

/** Terminates every backend of `application`; returns how many there were. */
async function terminate(application: string): Promise<number> {
  const { rows } = await admin.query(
    'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
    [application],
  );
  return rows.length;
}

async function count(sql: string, values: unknown[]): Promise<number> {
  return Number((await admin.query<{ n: string }>(sql, values)).rows[0]!.n);
}

async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await sleep(10);
}

function storeFor(application: string, errors: Error[] = []) {
  return createPostgresConversationStore({
    connectionString: urlFor(application),
    schema,
    maxConnections: 3,
    onConnectionError: (error) => errors.push(error),
  });
}

describe.skipIf(skip)('PostgresConversationStore when the server drops its connections', () => {
  it('survives idle connections being terminated; the next append reconnects', async () => {
    const application = applicationName();
    const errors: Error[] = [];
    const store = storeFor(application, errors);
    const conversation = await store.create();
    await store.appendNode({ conversationId: conversation.id, parentId: null, node: { role: 'system', content: 'r' } });
    // Several pooled connections, all idle afterwards.
    await Promise.all([store.count(), store.count(), store.count()]);
    const terminated = await terminate(application);
    expect(terminated).toBeGreaterThan(0);
    await until(() => errors.length >= terminated);
    const { node } = await store.appendNode({
      conversationId: conversation.id,
      parentId: '',
      node: { role: 'user', content: 'still here' },
    });
    expect(node.id).toBe('0');
    expect(await count('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [application])).toBe(
      1,
    );
    await store.close();
  });

  it('fails an append cut off mid-transaction with a retryable StoreUnavailableError, writing nothing', async () => {
    const application = applicationName();
    const store = storeFor(application);
    const conversation = await store.create();
    await store.appendNode({ conversationId: conversation.id, parentId: null, node: { role: 'system', content: 'r' } });
    const blocker = new pg.Client({ connectionString: postgresTestUrl(), application_name: 'dk_test_blocker' });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${schema}".dk_conversations WHERE id = $1 FOR UPDATE`, [conversation.id]);
      const pending = store
        .appendNode({ conversationId: conversation.id, parentId: '', node: { role: 'user', content: 'cut off' } })
        .catch((error: unknown) => error);
      // The append holds its transaction open, waiting for the row lock.
      await until(
        async () =>
          (await count(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
            [application],
          )) > 0,
      );
      await terminate(application);
      const error = await pending;
      expect(StoreUnavailableError.isInstance(error), String(error)).toBe(true);
      expect(ConversationStoreError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ isRetryable: true, code: 'STORE_UNAVAILABLE', operation: 'appendNode' });
      expect((error as Error).message).toMatch(/retry/);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await store.getChildren({ conversationId: conversation.id, nodeId: '' })).toEqual([]);
    const retried = await store.appendNode({
      conversationId: conversation.id,
      parentId: '',
      node: { role: 'user', content: 'cut off' },
    });
    expect(retried.node.id).toBe('0');
    await store.close();
  });

  it('keeps every acknowledged append when its connections are terminated again and again mid-run', async () => {
    const application = applicationName();
    const store = storeFor(application);
    const conversation = await store.create();
    let parentId = (
      await store.appendNode({
        conversationId: conversation.id,
        parentId: null,
        node: { role: 'system', content: 'r' },
      })
    ).node.id;
    const acknowledged: ConversationNode[] = [];
    const failures: unknown[] = [];
    let running = true;
    let terminations = 0;
    const killer = (async () => {
      while (running) {
        await sleep(15);
        terminations += await terminate(application);
      }
    })();
    try {
      for (let index = 0; index < 200 && (index < 100 || failures.length === 0); index += 1) {
        try {
          const { node } = await store.appendNode({
            conversationId: conversation.id,
            parentId,
            node: { role: index % 2 === 0 ? 'user' : 'assistant', content: `m${index}` },
            moveCursor: true,
          });
          acknowledged.push(node);
          parentId = node.id;
        } catch (error) {
          failures.push(error);
        }
      }
    } finally {
      running = false;
      await killer;
    }
    expect(terminations).toBeGreaterThan(0);
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(StoreUnavailableError.isInstance(failure), String(failure)).toBe(true);
      expect((failure as StoreUnavailableError).isRetryable).toBe(true);
    }
    // A connection killed in the last round may still be in the pool: the read-back retries
    // as the error says to (a transient StoreUnavailableError), like any caller would.
    const load = async (attempt = 1): Promise<Awaited<ReturnType<typeof store.load>>> => {
      try {
        return await store.load({ conversationId: conversation.id });
      } catch (error) {
        if (attempt >= 3 || !StoreUnavailableError.isInstance(error)) throw error;
        return load(attempt + 1);
      }
    };
    const tree = (await load())!;
    const stored = new Map(tree.nodes.map((node) => [node.id, node.content]));
    for (const node of acknowledged) expect(stored.get(node.id)).toBe(node.content);
    expect(tree.conversation.currentNodeId).toBe(acknowledged.at(-1)?.id);
    await store.close();
  });

  it('never crashes a process that has no error handler of its own (child exits 0)', async () => {
    const worker = fileURLToPath(new URL('./__fixtures__/connection-loss-worker.ts', import.meta.url));
    const child = spawn(process.execPath, ['--conditions=@dk/source', '--import', 'tsx', worker], {
      cwd: fileURLToPath(new URL('../../..', import.meta.url)),
      env: {
        ...process.env,
        DK_POSTGRES_URL: postgresTestUrl(),
        DK_POSTGRES_SCHEMA: schema,
        DK_APPLICATION_NAME: applicationName(),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('ack\tafter idle termination');
    expect(stdout).toContain('retry\tduring termination');
    expect(stdout).toContain('ack\tduring termination');
    expect(stdout).toContain('nodes\tr|after idle termination|during termination');
  }, 60_000);
});
