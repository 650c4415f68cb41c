import type Database from 'better-sqlite3';
import { joinCheckpointer } from './sqlite-checkpointer.js';
import type { CheckpointerMembership } from './sqlite-checkpointer.js';
import { indexNodeTextBatchSql } from './sqlite-node-text-index.js';
import type { WithDatabase } from './sqlite-store-dialect.js';

/** Node text is indexed once appends have paused this long, in ms. */
const idleMs = 100;
/** ... or once this many appends are pending, even without a pause. */
const backlogAppends = 2000;
/** Rows indexed per statement; the event loop gets a turn between batches. */
const batchRows = 2000;

/**
 * The work a SQLite connection does off the append path:
 * - indexing node text in batches (see `deferNodeTextIndex`) when appends pause, on the
 *   connection itself, so it never waits for the write lock of its own appends;
 * - for a file a component opened, WAL checkpoints by the file's one checkpointer thread in
 *   this process (see `joinCheckpointer`), shared with the other components on that file
 *   (`wal_autocheckpoint` is off on the connection, so no write pays for one).
 *
 * Timers and the worker are unref'd: they never keep a process alive.
 */
export class SqliteBackgroundWork {
  readonly #withDatabase: WithDatabase;
  #pendingAppends = 0;
  #timer: NodeJS.Timeout | undefined;
  #indexing = false;
  #checkpointer: CheckpointerMembership | undefined;
  #closed = false;

  constructor(withDatabase: WithDatabase) {
    this.#withDatabase = withDatabase;
  }

  /**
   * Called after each append, holding the connection: schedules text indexing and tells the
   * checkpointer (see {@link noteWrite}).
   */
  noteAppend(): void {
    if (this.#closed) return;
    this.#pendingAppends += 1;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.#index(), idleMs).unref();
    } else if (this.#pendingAppends < backlogAppends && !this.#indexing) {
      // Postpone while appends keep coming, up to the backlog.
      this.#timer.refresh();
    }
    this.noteWrite();
  }

  /**
   * Called after every commit of the connection, holding it: counts writes for the
   * checkpointer and does this connection's part of a WAL restart when one is due.
   */
  noteWrite(): void {
    if (this.#checkpointer !== undefined) this.#checkpointer.noteWrite();
  }

  async #index(): Promise<void> {
    this.#indexing = true;
    try {
      this.#pendingAppends = 0;
      const more = await this.#withDatabase((database) => {
        if (this.#closed || !database.open) return false;
        const indexed = indexBatch(database);
        if (indexed) this.noteWrite();
        return indexed;
      });
      // Another batch after the event loop has had a turn; appends made meanwhile wait for a pause.
      this.#timer =
        !this.#closed && (more || this.#pendingAppends > 0)
          ? setTimeout(() => void this.#index(), more ? 0 : idleMs).unref()
          : undefined;
    } catch {
      // Busy past busy_timeout, or closed meanwhile: queries index what is pending anyway.
      this.#timer = undefined;
    } finally {
      this.#indexing = false;
    }
  }

  /**
   * Puts `database` (a file a component opened) under its file's checkpointer, which turns
   * its automatic checkpoints off; should the thread fail, they are turned back on, so the
   * WAL never grows without bound.
   */
  startCheckpointer(database: Database.Database): void {
    if (this.#closed || this.#checkpointer !== undefined) return;
    this.#checkpointer = joinCheckpointer(database);
  }

  /** Stops the timers and leaves the checkpointer (before the connection closes). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const checkpointer = this.#checkpointer;
    this.#checkpointer = undefined;
    await checkpointer?.leave();
  }
}

/** Prepared batch statements, per database. */
const batches = new WeakMap<Database.Database, Database.Statement<[number]>>();

/** Indexes one batch of pending node text; true when rows may remain. */
function indexBatch(database: Database.Database): boolean {
  let statement = batches.get(database);
  if (statement === undefined) {
    statement = database.prepare<[number]>(indexNodeTextBatchSql);
    batches.set(database, statement);
  }
  return statement.run(batchRows - 1).changes > 0;
}
