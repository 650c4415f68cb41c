import { dropSchema, postgresTestUrl, randomSchemaName, shouldSkipPostgres } from '@dk/test-kit';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresConversationStore } from './create-postgres-conversation-store.js';

const skip = await shouldSkipPostgres();
const schema = randomSchemaName();
afterAll(async () => {
  if (!skip) await dropSchema(schema);
});

describe.skipIf(skip)('dk_append_node plans', () => {
  it('finds the parent by its row address, or by its key, on a connection that first appended to a new, small table', async () => {
    // One connection for the whole life of the table: any plan cached while the table held a
    // handful of rows is still in use when the conversation is long.
    const pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 1 });
    const store = createPostgresConversationStore({ pool, schema });
    await store.migrate();
    await store.create({ id: 'plans' });
    let parentId: string | null = null;
    const append = async () => {
      const { node }: { node: { id: string } } = await store.appendNode({
        conversationId: 'plans',
        parentId,
        node: { role: 'user', content: 'a few words' },
        moveCursor: true,
      });
      parentId = node.id;
    };
    for (let index = 0; index < 1000; index += 1) await append();

    // auto_explain reports the plan of every statement the function runs to this client.
    const plans: string[] = [];
    const client = await pool.connect();
    client.on('notice', (notice) => plans.push(notice.message ?? ''));
    for (const setting of [
      `LOAD 'auto_explain'`,
      'SET auto_explain.log_min_duration = 0',
      'SET auto_explain.log_nested_statements = on',
      'SET auto_explain.log_analyze = on',
      'SET client_min_messages = log',
    ]) {
      await client.query(setting);
    }
    client.release();
    // A chat's turns: the parent is the node this store appended last, read at its row address.
    await append();
    await append();
    const byRow = plans.filter((plan) => /SELECT r\.seq\s+FROM/.test(plan));
    expect(byRow).toHaveLength(2);
    for (const plan of byRow) {
      expect(plan).toContain('Tid Scan');
      expect(plan).not.toContain('Rows Removed by Filter');
    }
    expect(plans.filter((plan) => /SELECT n\.seq FROM/.test(plan))).toHaveLength(0);
    // Another parent (an earlier node) has no address at hand: it is found by its key.
    plans.length = 0;
    const { node } = await store.appendNode({
      conversationId: 'plans',
      parentId: '0.0.0',
      node: { role: 'user', content: 'a branch' },
    });
    expect(node.id).toBe('0.0.0.1');
    const byKey = plans.filter((plan) => /SELECT n\.seq FROM/.test(plan));
    expect(byKey).toHaveLength(1);
    expect(byKey[0]).toContain('dk_nodes_key');
    expect(byKey[0]).not.toContain('Rows Removed by Filter');
    await client.query('RESET ALL');
    await store.close();
    await pool.end();
  });
});
