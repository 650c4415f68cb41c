// @ts-check
// The WAL checkpointer of a SQLite file (see sqlite-checkpointer.ts), one per file per process
// whatever the number of components on it: a worker thread with its own connection to the
// file, so checkpoints (page copies and fsyncs) run neither in a committing call nor on the
// event loop. Plain JavaScript, so it loads as is from the sources and from dist.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, intervalMs: number, restartFrames: number, restart: Int32Array }} */
const { path, intervalMs, restartFrames, restart } = workerData;
const database = new Database(path, { fileMustExist: true });

function checkpoint() {
  // Paused while a connection of the process lets the WAL start over (see FileCheckpointer.noteWrite).
  if (Atomics.load(restart, 0) !== 0) return;
  try {
    // PASSIVE copies what no reader still needs and never waits for or blocks a writer.
    const [result] = /** @type {{ busy: number, log: number, checkpointed: number }[]} */ (
      database.pragma('wal_checkpoint(PASSIVE)')
    );
    // Past this size, the next connection to commit copies the frames of the last round itself
    // so that the WAL can start over.
    if (result !== undefined && result.log >= restartFrames) Atomics.store(restart, 0, 1);
  } catch {
    // Busy (another checkpointer) or the file is going away: the next round tries again.
  }
}

const timer = setInterval(checkpoint, intervalMs);
parentPort?.on('message', (message) => {
  if (message === 'checkpoint') {
    checkpoint();
  } else if (message === 'close') {
    clearInterval(timer);
    database.close();
    parentPort?.close();
  }
});
