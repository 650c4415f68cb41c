// @ts-check
// The WAL checkpointer of a SQLite store (see sqlite-background-work.ts): a worker thread
// with its own connection to the store's file, so checkpoints (page copies and fsyncs) never
// run in a committing call or on the event loop. Plain JavaScript so it loads as is from the
// sources and from dist.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/** @type {{ path: string, intervalMs: number }} */
const { path, intervalMs } = workerData;
const database = new Database(path, { fileMustExist: true });

function checkpoint() {
  try {
    // PASSIVE: copies what no reader still needs and never waits for or blocks a writer.
    database.pragma('wal_checkpoint(PASSIVE)');
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
