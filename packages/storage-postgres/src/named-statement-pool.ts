import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type { Pool, PoolClient } from 'pg';
import { isLostConnectionError } from './is-transient-postgres-error.js';

/** Most distinct statement texts named per pool (each is prepared once per connection). */
const maxNamedStatements = 128;

/**
 * The statement texts a dialect marks as hot, sent to PostgreSQL as named prepared statements
 * (parsed and planned once per connection) instead of unnamed ones (parsed and planned on every
 * call). Only statements whose best plan does not depend on their parameter values are
 * marked: after a few executions PostgreSQL may switch a named statement to one generic plan.
 */
export class NamedStatements {
  readonly #names = new Map<string, string>();

  /** Marks `text` to be sent as a named statement (up to a bound; past it, texts stay unnamed). */
  mark(text: string): void {
    if (this.#names.has(text) || this.#names.size >= maxNamedStatements) return;
    this.#names.set(text, `dk_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`);
  }

  /** The statement name of a marked text, else `undefined`. */
  nameOf(text: string): string | undefined {
    return this.#names.get(text);
  }
}

/**
 * A pool for Kysely's `PostgresDialect` whose clients send the texts marked in `statements` as
 * `{ name, text, values }` (pg prepares a name once per connection and then only binds and
 * executes it), and every other statement as before. A client whose query failed because its
 * connection is gone (`isLostConnectionError`) is removed from the pool when released: the
 * server's error can arrive before the socket closes, and `pg` would otherwise hand the dead
 * connection to the next caller.
 */
export function withNamedStatements(pool: Pool, statements: NamedStatements): PostgresPool {
  const wrapped = new WeakMap<PoolClient, PostgresPoolClient>();
  const lost = new WeakSet<PoolClient>();
  const wrap = (client: PoolClient): PostgresPoolClient => {
    let wrapper = wrapped.get(client);
    if (wrapper === undefined) {
      const noteLoss = (error: unknown) => {
        if (isLostConnectionError(error)) lost.add(client);
        throw error;
      };
      const query = (text: unknown, values?: readonly unknown[]) => {
        const name = typeof text === 'string' ? statements.nameOf(text) : undefined;
        const result =
          name === undefined
            ? (client.query as (...parameters: unknown[]) => unknown)(text, values)
            : client.query({ name, text: text as string, values: values as unknown[] });
        // A submittable (a cursor) is returned as it is; queries are promises.
        return result instanceof Promise ? result.catch(noteLoss) : result;
      };
      wrapper = {
        query: query as PostgresPoolClient['query'],
        release: (destroy?: boolean) => client.release(destroy === true || lost.has(client)),
      };
      wrapped.set(client, wrapper);
    }
    return wrapper;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
