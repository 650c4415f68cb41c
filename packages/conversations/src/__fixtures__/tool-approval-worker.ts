// One process of the restart test: opens the shared store, runs one phase of a tool loop
// with approval, prints one JSON line per result and exits. Run with
// `node --conditions=@dk/source --import tsx tool-approval-worker.ts`.
import { appendFileSync } from 'node:fs';
import type { ConversationStore, Tool } from '@dk/spec';
import { EchoProvider } from '@dk/providers-echo';
import { PostgresConversationStore } from '@dk/storage-postgres';
import { SqliteConversationStore } from '@dk/storage-sqlite';
import { ConversationManager } from '../conversation-manager.js';

const environment = process.env;
const phase = environment['DK_PHASE'];
const noteFile = environment['DK_NOTE_FILE']!;

function openStore(): ConversationStore {
  return environment['DK_STORE'] === 'postgres'
    ? new PostgresConversationStore({
        connectionString: environment['DK_POSTGRES_URL']!,
        schema: environment['DK_POSTGRES_SCHEMA']!,
      })
    : new SqliteConversationStore({ path: environment['DK_SQLITE_PATH']! });
}

/** Saves a note by appending it to a file, so the test can count runs across processes. */
const saveNote: Tool<{ text: string }> = {
  description: 'Save a note for the user',
  parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
  needsApproval: true,
  execute: async ({ text }, { signal }) => {
    appendFileSync(noteFile, `${text}\n`);
    const delayMs = Number(environment['DK_TOOL_DELAY_MS'] ?? '0');
    if (delayMs > 0) await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, delayMs);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)));
    });
    return `saved: ${text}`;
  },
};

// The model asks to save a note; once the tool answered, it confirms. Deterministic in any process.
const llm = new EchoProvider({
  responseFunction: (messages) =>
    messages.at(-1)?.role === 'tool'
      ? 'Your note is saved.'
      : { toolCalls: [{ id: 'call_note', name: 'save_note', arguments: { text: 'buy milk' } }] },
});

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

const storage = openStore();
const tools = { save_note: saveNote };
try {
  if (phase === 'pause') {
    const manager = await ConversationManager.create({ llm, storage, tools });
    await manager.addMessage({ role: 'system', content: 'You save notes.' });
    await manager.addMessage({ role: 'user', content: 'Remember to buy milk.' });
    const result = await manager.complete();
    print({ conversationId: manager.conversationId, status: result.status, pending: result.pendingToolCalls });
  } else {
    const conversationId = environment['DK_CONVERSATION_ID']!;
    const manager = await ConversationManager.resume({ llm, storage, tools, conversationId });
    print({ pending: await manager.getPendingToolCalls() });
    if (phase === 'approve') {
      await manager.approveToolCall('call_note', { rerun: environment['DK_RERUN'] === '1' });
      const result = await manager.complete();
      print({
        status: result.status,
        content: result.content,
        path: manager.state.getCurrentNodes().map((node) => `${node.id || '(root)'} ${node.role}`),
      });
    }
  }
} finally {
  await storage.close();
}
