import { createPostgresConversationStore } from '../src/index.ts';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { Session } from 'node:inspector/promises';
import { writeFileSync } from 'node:fs';
const count = Number(process.argv[2] ?? 200000);
const pool = new pg.Pool({ connectionString: 'postgresql://postgres@127.0.0.1:5432/test', max: 4 });
const schema = 'lprof_' + Math.random().toString(36).slice(2, 8);
const store = createPostgresConversationStore({ pool, schema, indexedMetadataKeys: ['userId'] });
await store.count();
await pool.query(`INSERT INTO "${schema}".dk_conversations (id, metadata, current_node_id, version, node_count, created_at, updated_at)
  SELECT 'c' || lpad(i::text, 7, '0'), jsonb_build_object('userId', 'u' || (i % 1000), 'tier', (ARRAY['free', 'pro', 'team'])[i % 3 + 1], 'region', 'r' || (i % 7)),
  NULL, 1, 0, 1700000000000 + i * 1000::bigint, 1700000000000 + i * 1000::bigint + (i % 97) * 60000 FROM generate_series(0, ${count - 1}) i`);
await pool.query(`ANALYZE "${schema}".dk_conversations`);
const pct = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]!.toFixed(3); };
async function time(label: string, fn: () => Promise<unknown>, runs = 101) {
  const t: number[] = [];
  for (let r = 0; r < runs; r++) { const s = performance.now(); await fn(); t.push(performance.now() - s); }
  console.log(label.padEnd(30), pct(t.slice(1)));
}
const storeSql = `SELECT c.id AS id, c.metadata::text AS metadata, c.current_node_id AS current_node_id, c.version AS version, c.node_count AS node_count, c.created_at AS created_at, c.updated_at AS updated_at
  FROM "${schema}".dk_conversations c WHERE c.metadata -> 'userId' = CAST($1 AS jsonb) ORDER BY c.updated_at DESC, c.id DESC LIMIT $2 OFFSET $3`;
const rawSql = `SELECT id, metadata::text AS metadata, current_node_id, version, node_count, created_at, updated_at FROM "${schema}".dk_conversations WHERE metadata -> 'userId' = $1::jsonb ORDER BY updated_at DESC, id DESC LIMIT 50`;
const kdb = new Kysely<object>({ dialect: new PostgresDialect({ pool }) });
for (let k = 0; k < 2; k++) {
  await time('kysely raw sql', () => sql.raw(storeSql.replace('$1', `'"u123"'`).replace('$2', '51').replace('$3', '0')).execute(kdb));
  await time('pool.query literal', () => pool.query(storeSql.replace('$1', `'"u123"'`).replace('$2', '51').replace('$3', '0')));
  await time('store.list', () => store.list({ metadata: { userId: 'u123' }, sortBy: 'updatedAt', sortOrder: 'desc', limit: 50 }));
  await time('store sql unnamed', () => pool.query(storeSql, ['"u123"', 51, 0]));
  await time('store sql named', () => pool.query({ name: 's1', text: storeSql, values: ['"u123"', 51, 0] }));
  await time('raw named', () => pool.query({ name: 'r1', text: rawSql, values: ['"u123"'] }));
  await time('select 1 unnamed', () => pool.query('SELECT 1'));
}
const session = new Session(); session.connect(); await session.post('Profiler.enable'); await session.post('Profiler.start');
for (let r = 0; r < 2000; r++) await store.list({ metadata: { userId: 'u123' }, sortBy: 'updatedAt', sortOrder: 'desc', limit: 50 });
const { profile } = await session.post('Profiler.stop'); writeFileSync('/tmp/schema2-list.cpuprofile', JSON.stringify(profile));
console.log((await pool.query('EXPLAIN ANALYZE ' + storeSql.replace('$1', `'"u123"'`).replace('$2', '51').replace('$3', '0'))).rows.map((r) => r['QUERY PLAN']).join('\n'));
await store.close(); await pool.query(`DROP SCHEMA "${schema}" CASCADE`); await pool.end();
