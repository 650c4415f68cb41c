import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';

/**
 * The checkpointer's round, in ms, and the writes after which a connection asks for one at once.
 * Steady writers are served by the write count; the round only catches a WAL left by light
 * writes. Every round that finds new frames ends in an fsync, and an fsync commits the file
 * system's journal, which stalls any write in the process that must touch it meanwhile: with a
 * 100 ms round, SQLite appends interleaved with other writers had a p99 of 747–848 µs, with 1 s
 * 418–741 µs (`pnpm bench peers`, 5 and 4 runs).
 */
const checkpointIntervalMs = 1000;
const checkpointEveryWrites = 256;
/** WAL frames (pages) past which the checkpointer makes the next commit start the WAL over: 16 MiB of 4 KiB pages. */
const restartFrames = 4096;
/** Longest the last connection's `close()` waits for the checkpointer to close its own, in ms. */
const closeTimeoutMs = 2000;
/** `wal_autocheckpoint` of a connection whose checkpointer failed: SQLite's default. */
const fallbackAutocheckpointPages = 1000;

/**
 * The `journal_size_limit` of the connections a component opens, in bytes: twice the WAL size at
 * which the checkpointer has the WAL start over (4096 frames of a 24-byte header and a page,
 * after the 32-byte WAL header). A WAL that starts over is overwritten in place, and SQLite
 * truncates the file to this limit only at the first commit after a restart, so the file
 * shrinks back after a burst (a long reader or a slow checkpointer let it grow past the limit),
 * but never in steady appends: those restart it near the threshold, below the limit, and keep
 * reusing its blocks. A limit at the threshold would shrink and regrow the file on most
 * restarts, and a commit that grows the file allocates blocks, which is slower than
 * overwriting them.
 */
export function walSizeLimit(pageSize: number): number {
  return 2 * (32 + restartFrames * (24 + pageSize));
}

/** A row of `PRAGMA wal_checkpoint`: busy (0 or 1), frames in the WAL, frames copied to the database. */
interface Checkpoint {
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
}

/** The steps of the WAL restart handshake, by the value of {@link FileCheckpointer}'s shared word. */
const restartSteps = ['none', 'asked', 'copied'] as const;
type RestartStep = (typeof restartSteps)[number];

/** The shared checkpointer of one database file in this process. */
class FileCheckpointer {
  readonly file: string;
  readonly worker: Worker;
  /** The connections whose `wal_autocheckpoint` is off because this checkpointer covers them. */
  readonly connections = new Set<Database.Database>();
  /**
   * The WAL restart handshake (see {@link noteWrite}): 0 none, 1 the checkpointer asks for one
   * (and pauses), 2 a connection has copied the rest and the next commit starts the WAL over.
   */
  readonly #restart = new Int32Array(new SharedArrayBuffer(4));
  #writes = 0;

  /** Starts the worker and registers as the running checkpointer of `file` until stopped or failed. */
  constructor(file: string) {
    this.file = file;
    this.worker = new Worker(new URL('./sqlite-checkpoint-worker.js', import.meta.url), {
      workerData: { path: file, intervalMs: checkpointIntervalMs, restartFrames, restart: this.#restart },
    });
    this.worker.unref();
    checkpointers.set(file, this);
    const fallBack = () => this.#fallBack();
    this.worker.on('error', fallBack);
    this.worker.on('exit', fallBack);
  }

  /**
   * Called by a covered connection after a commit of its own, holding that connection and
   * outside any transaction; any of them may do the handshake, and the WAL is bounded
   * whichever writes. A writer starts the WAL over only when it begins with every frame
   * copied to the database and no checkpoint running, which steady writes never allow: each
   * round copies the WAL while new commits arrive. So once the checkpointer has copied the
   * bulk of a WAL past `restartFrames`, it pauses; the next connection of this process to
   * commit copies the rest (a PASSIVE checkpoint of the frames written during the last round,
   * and two fsyncs), and the commit after it, from whichever connection, starts the WAL over:
   * all of them run on this thread, so no frame of this process comes in between.
   */
  noteWrite(database: Database.Database): void {
    if (!this.covering || database.inTransaction) return;
    const state = Atomics.load(this.#restart, 0);
    // This write started the WAL over: the checkpointer may go on.
    if (state === 2) Atomics.store(this.#restart, 0, 0);
    else if (state === 1) this.#copyRest(database);
    if ((this.#writes += 1) >= checkpointEveryWrites) {
      this.#writes = 0;
      this.worker.postMessage('checkpoint');
    }
  }

  #copyRest(database: Database.Database): void {
    try {
      const [result] = database.pragma('wal_checkpoint(PASSIVE)') as Checkpoint[];
      // Busy: a round was still running (or another process checkpoints). Not busy but short of
      // the log: a reader's snapshot still needs the frames past `checkpointed` (PASSIVE copies
      // up to the oldest snapshot and reports no busy), so the WAL cannot start over yet. Either
      // way the next write tries again.
      if (result !== undefined && result.busy === 0 && result.checkpointed === result.log) {
        Atomics.store(this.#restart, 0, 2);
      }
    } catch {
      // Left for the next write.
    }
  }

  /** The worker failed or exited on its own: every covered connection checkpoints itself again. */
  #fallBack(): void {
    if (!this.covering) return;
    checkpointers.delete(this.file);
    for (const database of this.connections) {
      // Runs in the worker's exit handler: a connection that cannot take the pragma now (busy
      // iterating, closing) must not throw out of it and take the process down.
      try {
        if (database.open) database.pragma(`wal_autocheckpoint = ${fallbackAutocheckpointPages}`);
      } catch {
        // That connection keeps automatic checkpoints off; the others still fall back.
      }
    }
    this.connections.clear();
  }

  /** Stops the worker once the last connection leaves (before that connection closes). */
  async stop(): Promise<void> {
    if (this.covering) checkpointers.delete(this.file);
    // Referenced while closing: a process whose last act is `await store.close()` waits for it.
    this.worker.ref();
    const exited = once(this.worker, 'exit').catch(() => undefined);
    this.worker.postMessage('close');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, closeTimeoutMs)));
    await Promise.race([exited, timeout]);
    clearTimeout(timer);
    await this.worker.terminate();
  }

  /** The step of the WAL restart handshake (see {@link noteWrite}): `none`, `asked` or `copied`. */
  get restartStep(): RestartStep {
    return restartSteps[Atomics.load(this.#restart, 0)] ?? 'none';
  }

  /**
   * Whether the worker still runs and covers its connections (neither stopped nor failed): it
   * is the registered checkpointer of its file from its construction until it is stopped or
   * fails, and a later one for the same file is another object.
   */
  get covering(): boolean {
    return checkpointers.get(this.file) === this;
  }
}

/** The running checkpointers of this process, by the real path of their database file. */
const checkpointers = new Map<string, FileCheckpointer>();

/** A connection's membership in its file's checkpointer. */
export interface CheckpointerMembership {
  /** See {@link FileCheckpointer.noteWrite}: after each commit of the connection, holding it. */
  noteWrite(): void;
  /** Leaves the checkpointer (stopped when it was the last connection); before the connection closes. */
  leave(): Promise<void>;
}

/** The real path of `database`'s main file, or undefined for a database without one. */
function mainFile(database: Database.Database): string | undefined {
  const rows = database.pragma('database_list') as { name: string; file: string }[];
  const file = rows.find((row) => row.name === 'main')?.file;
  if (file === undefined || file === '') return undefined;
  try {
    return realpathSync(file);
  } catch {
    return file;
  }
}

/**
 * Puts `database` (a connection a component opened on a file in WAL mode) under the one
 * checkpointer of its file in this process, started by the first connection and stopped when
 * the last leaves, and turns its automatic checkpoints off. Returns undefined (automatic
 * checkpoints stay on) when the database is not in WAL mode or has no file.
 */
export function joinCheckpointer(database: Database.Database): CheckpointerMembership | undefined {
  if (database.pragma('journal_mode', { simple: true }) !== 'wal') return undefined;
  const file = mainFile(database);
  if (file === undefined) return undefined;
  const joined = checkpointers.get(file) ?? new FileCheckpointer(file);
  database.pragma('wal_autocheckpoint = 0');
  joined.connections.add(database);
  let left = false;
  return {
    noteWrite: () => {
      if (!left) joined.noteWrite(database);
    },
    leave: async () => {
      if (left) return;
      left = true;
      joined.connections.delete(database);
      if (joined.covering && joined.connections.size === 0) await joined.stop();
    },
  };
}

/**
 * The running checkpointers of this process (for tests): file, worker thread, connections
 * covered, step of the WAL restart handshake.
 */
export function runningCheckpointers(): {
  file: string;
  worker: Worker;
  connections: number;
  restartStep: RestartStep;
}[] {
  return [...checkpointers.values()].map(({ file, worker, connections, restartStep }) => ({
    file,
    worker,
    connections: connections.size,
    restartStep,
  }));
}
