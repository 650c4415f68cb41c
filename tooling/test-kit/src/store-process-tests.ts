import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ConversationStore } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import type { StoreWorkerTask } from './store-process-worker.js';
import { checkTree } from './store-tree-check.js';

const repositoryRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** How the multi-process tests reach one shared database. */
export interface StoreProcessTestOptions {
  /** Absolute path of a script that opens the shared database and calls `runStoreWorker(store)`. */
  readonly workerScript: string;
  /** Environment the worker script needs to find the shared database (path, schema…). */
  readonly workerEnvironment: () => Record<string, string>;
  /** Opens the shared database in this process (for setup and verification). */
  readonly openStore: () => Promise<ConversationStore>;
  /** After a worker was killed: assert the database file is intact (e.g. `PRAGMA integrity_check`). */
  readonly checkIntegrity?: () => Promise<void>;
  /** Skip the suite (server unreachable outside CI). */
  readonly skip?: boolean;
}

interface WorkerRun {
  readonly child: ChildProcess;
  readonly lines: string[];
  readonly done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startWorker(options: StoreProcessTestOptions, task: StoreWorkerTask): WorkerRun {
  const child = spawn(process.execPath, ['--conditions=@dk/source', '--import', 'tsx', options.workerScript], {
    cwd: repositoryRoot,
    env: { ...process.env, ...options.workerEnvironment(), DK_STORE_WORKER: JSON.stringify(task) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let pending = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts);
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  return { child, lines, done };
}

function acknowledged(lines: readonly string[]): [id: string, content: string][] {
  return lines
    .filter((line) => line.startsWith('ack\t'))
    .map((line) => {
      const [, id, content] = line.split('\t');
      return [id!, content!];
    });
}

/**
 * Multi-process tests for a store over a shared database: concurrent appends from several
 * processes lose nothing and keep ids unique; racing read-modify-write updates never lose
 * an update; a process killed with SIGKILL mid-stream leaves an intact database holding
 * every acknowledged turn.
 */
export function runStoreProcessTests(name: string, options: StoreProcessTestOptions): void {
  describe.skipIf(options.skip === true)(`ConversationStore across processes: ${name}`, () => {
    it('keeps every acknowledged append from concurrent processes exactly once, with unique ids', async () => {
      const store = await options.openStore();
      try {
        const conversation = await store.create();
        await store.appendNode({
          conversationId: conversation.id,
          parentId: null,
          node: { role: 'system', content: 'root' },
        });
        const workers = 3;
        const turns = 8;
        const runs = Array.from({ length: workers }, (_, worker) =>
          startWorker(options, { mode: 'append', conversationId: conversation.id, worker, turns }),
        );
        const results = await Promise.all(runs.map((run) => run.done));
        for (const result of results) expect(result.code, result.stderr).toBe(0);
        const acks = runs.flatMap((run) => acknowledged(run.lines));
        expect(acks).toHaveLength(workers * turns * 2);
        const tree = (await store.load({ conversationId: conversation.id }))!;
        checkTree(tree.nodes);
        expect(tree.nodes).toHaveLength(1 + acks.length);
        expect(tree.conversation.nodeCount).toBe(1 + acks.length);
        const byId = new Map(tree.nodes.map((node) => [node.id, node.content]));
        for (const [id, content] of acks) expect(byId.get(id)).toBe(content);
        expect(new Set(acks.map(([id]) => id)).size).toBe(acks.length);
        const rootChildren = await store.getChildren({ conversationId: conversation.id, nodeId: '' });
        expect(rootChildren.map((node) => node.id)).toEqual(rootChildren.map((_, index) => String(index)));
        expect(rootChildren).toHaveLength(workers * turns);
        for (const child of rootChildren) {
          const replies = await store.getChildren({ conversationId: conversation.id, nodeId: child.id });
          expect(replies.map((reply) => reply.content)).toEqual([child.content.replace('user', 'assistant')]);
        }
      } finally {
        await store.close();
      }
    }, 60_000);

    it('never loses a racing read-modify-write update: conflicts are typed and retried', async () => {
      const store = await options.openStore();
      try {
        const conversation = await store.create({ metadata: { counter: 0 } });
        const workers = 3;
        const turns = 8;
        const runs = Array.from({ length: workers }, (_, worker) =>
          startWorker(options, { mode: 'increment', conversationId: conversation.id, worker, turns }),
        );
        const results = await Promise.all(runs.map((run) => run.done));
        for (const result of results) expect(result.code, result.stderr).toBe(0);
        const versions = runs.flatMap((run) =>
          run.lines.filter((line) => line.startsWith('inc\t')).map((line) => Number(line.split('\t')[1])),
        );
        expect(versions).toHaveLength(workers * turns);
        // Every successful update produced its own version: none overwrote another.
        expect(new Set(versions).size).toBe(versions.length);
        const final = (await store.get({ conversationId: conversation.id }))!;
        expect(final.metadata['counter']).toBe(workers * turns);
        expect(final.version).toBe(1 + workers * turns);
      } finally {
        await store.close();
      }
    }, 60_000);

    it('survives SIGKILL mid-stream: the database opens, is intact and holds every acknowledged turn', async () => {
      const store = await options.openStore();
      let conversationId: string;
      try {
        conversationId = (await store.create()).id;
        await store.appendNode({
          conversationId,
          parentId: null,
          node: { role: 'system', content: 'root' },
          moveCursor: true,
        });
      } finally {
        await store.close();
      }
      const run = startWorker(options, { mode: 'stream', conversationId, worker: 0, turns: 0 });
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (acknowledged(run.lines).length >= 30) {
            clearInterval(timer);
            run.child.kill('SIGKILL');
            resolve();
          }
        }, 5);
        void run.done.then(({ stderr }) => {
          clearInterval(timer);
          reject(new Error(`worker exited before it was killed: ${stderr}`));
        });
      });
      const result = await run.done;
      expect(result.signal).toBe('SIGKILL');
      const acks = acknowledged(run.lines);
      await options.checkIntegrity?.();
      const reopened = await options.openStore();
      try {
        const tree = (await reopened.load({ conversationId }))!;
        checkTree(tree.nodes);
        const byId = new Map(tree.nodes.map((node) => [node.id, node.content]));
        for (const [id, content] of acks) expect(byId.get(id)).toBe(content);
        // At most the one write in flight at the kill may have committed without its ack.
        expect(tree.nodes.length - 1 - acks.length).toBeGreaterThanOrEqual(0);
        expect(tree.nodes.length - 1 - acks.length).toBeLessThanOrEqual(1);
        // The store still accepts writes after the crash.
        const last = tree.nodes.at(-1)!;
        const { node } = await reopened.appendNode({
          conversationId,
          parentId: last.id,
          node: { role: 'user', content: 'after' },
        });
        expect(node.parentId).toBe(last.id);
      } finally {
        await reopened.close();
      }
    }, 60_000);
  });
}
