import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { indexNodeTextBatchSql } from './sqlite-node-text-index.js';
import type { WithDatabase } from './sqlite-store-dialect.js';

/** Node text is indexed once appends have paused this long, in ms. */
const idleMs = 100;
/** ... or once this many appends are pending, even without a pause. */
const backlogAppends = 2000;
/** Rows indexed per statement; the event loop gets a turn between batches. */
const batchRows = 2000;
/** The checkpointer's round, in ms, and the appends after which the store asks for one at once. */
const checkpointIntervalMs = 100;
const checkpointEveryAppends = 256;
/** WAL frames (pages) past which the checkpointer makes the next commit start the WAL over: 16 MiB of 4 KiB pages. */
const restartFrames = 4096;
/** Longest `close()` waits for the checkpointer to close its connection, in ms. */
const closeTimeoutMs = 2000;

/**
 * The work a SQLite connection does off the append path:
 * - indexing node text in batches (see `deferNodeTextIndex`) when appends pause, on the
 *   connection itself, so it never waits for the write lock of its own appends;
 * - for a file the store opened, WAL checkpoints in a worker thread with its own connection
 *   (`wal_autocheckpoint` is off on the store's connection, so no append pays for one).
 *
 * Timers and the worker are unref'd: they never keep a process alive.
 */
export class SqliteBackgroundWork {
  readonly #withDatabase: WithDatabase;
  #pendingAppends = 0;
  #sinceCheckpoint = 0;
  #timer: NodeJS.Timeout | undefined;
  #indexing = false;
  #checkpointer: Worker | undefined;
  /**
   * The WAL restart handshake with the checkpointer (see {@link #restartWal}): 0 none, 1 the
   * checkpointer asks for one (and pauses), 2 the store has copied the rest and its next commit
   * starts the WAL over.
   */
  #restart: Int32Array | undefined;
  #closed = false;

  constructor(withDatabase: WithDatabase) {
    this.#withDatabase = withDatabase;
  }

  /**
   * Called after each append, holding the connection to `database`: schedules text indexing,
   * asks the checkpointer for a round every so often, and lets the WAL start over when the
   * checkpointer says it has grown past `restartFrames`.
   */
  noteAppend(database: Database.Database): void {
    if (this.#closed) return;
    if (this.#restart !== undefined) {
      const state = Atomics.load(this.#restart, 0);
      // This append started the WAL over: the checkpointer may go on.
      if (state === 2) Atomics.store(this.#restart, 0, 0);
      else if (state === 1) this.#restartWal(database);
    }
    this.#pendingAppends += 1;
    if (this.#timer === undefined) {
      this.#timer = setTimeout(() => void this.#index(), idleMs).unref();
    } else if (this.#pendingAppends < backlogAppends && !this.#indexing) {
      // Postpone while appends keep coming, up to the backlog.
      this.#timer.refresh();
    }
    if (this.#checkpointer !== undefined && (this.#sinceCheckpoint += 1) >= checkpointEveryAppends) {
      this.#sinceCheckpoint = 0;
      this.#checkpointer.postMessage('checkpoint');
    }
  }

  async #index(): Promise<void> {
    this.#indexing = true;
    try {
      this.#pendingAppends = 0;
      const more = await this.#withDatabase((database) => {
        if (this.#closed || !database.open) return false;
        return indexBatch(database);
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
   * A writer starts the WAL over only when it begins with every frame copied to the database
   * and no checkpoint running, which steady appends never allow: each checkpointer round
   * copies the WAL while new commits arrive. So once the checkpointer has copied the bulk of a
   * WAL past `restartFrames`, it pauses, the store copies the rest between two of its own
   * commits (a PASSIVE checkpoint of the frames written during the last round, and two
   * fsyncs), and its next commit starts the WAL over.
   */
  #restartWal(database: Database.Database): void {
    try {
      const [result] = database.pragma('wal_checkpoint(PASSIVE)') as { busy: number }[];
      // Busy: a round was still running (or another process checkpoints); the next append tries again.
      if (result !== undefined && result.busy === 0) Atomics.store(this.#restart!, 0, 2);
    } catch {
      // Left for the next append.
    }
  }

  /**
   * Turns automatic checkpoints off on `database` (a WAL file the store opened) and starts
   * the checkpointer thread on `path`. Should the thread fail, automatic checkpoints are
   * turned back on, so the WAL never grows without bound.
   */
  startCheckpointer(database: Database.Database, path: string): void {
    if (this.#closed || database.pragma('journal_mode', { simple: true }) !== 'wal') return;
    const restart = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), {
      workerData: { path, intervalMs: checkpointIntervalMs, restartFrames, restart },
    });
    worker.unref();
    const fallBack = () => {
      if (this.#checkpointer !== worker) return;
      this.#checkpointer = undefined;
      this.#restart = undefined;
      if (database.open) database.pragma('wal_autocheckpoint = 1000');
    };
    worker.on('error', fallBack);
    worker.on('exit', fallBack);
    database.pragma('wal_autocheckpoint = 0');
    this.#checkpointer = worker;
    this.#restart = restart;
  }

  /** Stops the timers and closes the checkpointer (before the store's connection closes). */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    const worker = this.#checkpointer;
    this.#checkpointer = undefined;
    if (worker === undefined) return;
    // Referenced while closing: a process whose last act is `await store.close()` waits for it.
    worker.ref();
    const exited = once(worker, 'exit').catch(() => undefined);
    worker.postMessage('close');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, closeTimeoutMs)));
    await Promise.race([exited, timeout]);
    clearTimeout(timer);
    await worker.terminate();
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
