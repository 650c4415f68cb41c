// Child process of the connection-loss test: a store whose connections are terminated by the
// server while idle and while an append waits, with no 'error' listener of its own. It must
// keep running (exit 0, no unhandled 'error' event) and every append must end up stored.
import { StoreUnavailableError } from '@dk/spec';
import pg from 'pg';
import { createPostgresConversationStore } from '../create-postgres-conversation-store.js';

const url = new URL(process.env['DK_POSTGRES_URL']!);
const schema = process.env['DK_POSTGRES_SCHEMA']!;
const application = process.env['DK_APPLICATION_NAME']!;
url.searchParams.set('application_name', application);
const admin = new pg.Client({ connectionString: process.env['DK_POSTGRES_URL']!, application_name: `${application}_admin` });
await admin.connect();
const backends = async () =>
  Number(
    (
      await admin.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [
        application,
      ])
    ).rows[0]!.n,
  );
const terminate = () =>
  admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [application]);

const store = createPostgresConversationStore({ connectionString: url.toString(), schema, maxConnections: 3 });
const conversation = await store.create();
let parentId = (
  await store.appendNode({ conversationId: conversation.id, parentId: null, node: { role: 'system', content: 'r' } })
).node.id;

/** Appends, retrying a retryable failure as a caller should. */
async function append(content: string): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      parentId = (
        await store.appendNode({ conversationId: conversation.id, parentId, node: { role: 'user', content } })
      ).node.id;
      process.stdout.write(`ack\t${content}\n`);
      return;
    } catch (error) {
      if (!StoreUnavailableError.isInstance(error) || attempt === 5) throw error;
      process.stdout.write(`retry\t${content}\n`);
    }
  }
}

// Idle: connections in the pool are terminated between operations.
await Promise.all([store.count(), store.count(), store.count()]);
await terminate();
while ((await backends()) > 0) await new Promise((resolve) => setTimeout(resolve, 10));
await append('after idle termination');

// Busy: terminated while an append waits for a row lock another session holds.
const blocker = new pg.Client({ connectionString: process.env['DK_POSTGRES_URL']!, application_name: `${application}_lock` });
await blocker.connect();
await blocker.query('BEGIN');
await blocker.query(`SELECT 1 FROM "${schema}".dk_conversations WHERE id = $1 FOR UPDATE`, [conversation.id]);
const waiting = append('during termination');
while (
  Number(
    (
      await admin.query<{ n: string }>(
        "SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
        [application],
      )
    ).rows[0]!.n,
  ) === 0
) {
  await new Promise((resolve) => setTimeout(resolve, 10));
}
await terminate();
await blocker.query('ROLLBACK');
await blocker.end();
await waiting;

const tree = await store.load({ conversationId: conversation.id });
process.stdout.write(`nodes\t${tree?.nodes.map((node) => node.content).join('|')}\n`);
await store.close();
await admin.end();
