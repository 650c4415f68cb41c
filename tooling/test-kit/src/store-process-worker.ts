import { ConversationConflictError } from '@dk/spec';
import type { ConversationStore } from '@dk/spec';

/** What a worker process does, passed as JSON in the `DK_STORE_WORKER` environment variable. */
export interface StoreWorkerTask {
  /**
   * `append`: `turns` times, a user node under the root then an assistant node under it.
   * `increment`: `turns` read-modify-write increments of `metadata.counter`, retrying on conflicts.
   * `stream`: appends a chain (moving the cursor) until killed.
   */
  readonly mode: 'append' | 'increment' | 'stream';
  readonly conversationId: string;
  readonly worker: number;
  readonly turns: number;
}

function say(line: string): void {
  // Synchronous on pipes (Linux), so a line the parent reads was written after the commit.
  process.stdout.write(`${line}\n`);
}

/**
 * The child side of the multi-process store tests: runs the task in `DK_STORE_WORKER`
 * against `store`, printing `ack <id> <content>` after every acknowledged append and
 * `inc <version>` after every successful increment, then closes the store.
 */
export async function runStoreWorker(store: ConversationStore): Promise<void> {
  const task = JSON.parse(process.env['DK_STORE_WORKER'] ?? '') as StoreWorkerTask;
  const { conversationId, worker, turns } = task;
  try {
    if (task.mode === 'append') {
      for (let turn = 0; turn < turns; turn += 1) {
        const user = await store.appendNode({
          conversationId,
          parentId: '',
          node: { role: 'user', content: `w${worker} t${turn} user`, metadata: { worker, turn } },
        });
        say(`ack\t${user.node.id}\t${user.node.content}`);
        const reply = await store.appendNode({
          conversationId,
          parentId: user.node.id,
          node: { role: 'assistant', content: `w${worker} t${turn} assistant` },
        });
        say(`ack\t${reply.node.id}\t${reply.node.content}`);
      }
    } else if (task.mode === 'increment') {
      let conflicts = 0;
      for (let turn = 0; turn < turns; turn += 1) {
        for (;;) {
          const record = await store.get({ conversationId });
          if (record === undefined) throw new Error(`conversation ${conversationId} vanished`);
          const counter = Number(record.metadata['counter'] ?? 0);
          try {
            const updated = await store.updateConversation({
              conversationId,
              expectedVersion: record.version,
              metadata: { ...record.metadata, counter: counter + 1 },
            });
            say(`inc\t${updated.version}`);
            break;
          } catch (error) {
            if (!ConversationConflictError.isInstance(error)) throw error;
            conflicts += 1;
          }
        }
      }
      say(`conflicts\t${conflicts}`);
    } else {
      let parentId = (await store.get({ conversationId }))?.currentNodeId ?? '';
      for (let turn = 0; ; turn += 1) {
        const { node } = await store.appendNode({
          conversationId,
          parentId,
          node: { role: turn % 2 === 0 ? 'user' : 'assistant', content: `stream ${turn} ${'x'.repeat(turn % 50)}` },
          moveCursor: true,
        });
        say(`ack\t${node.id}\t${node.content}`);
        parentId = node.id;
      }
    }
  } finally {
    await store.close();
  }
}
