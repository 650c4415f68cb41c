import { randomUUID } from 'node:crypto';
import type { SearchAdapter, ToolSet } from '@dk/spec';
import type { NotesStore } from './notes-store.js';

/**
 * The demo's two tools: `search_docs` searches the bundled corpus (runs at once);
 * `save_note` stores a note and needs the user's approval first (`/approve` in the
 * terminal, the Approve button on the web).
 */
export function demoTools({ corpus, notes }: { readonly corpus: SearchAdapter; readonly notes: NotesStore }): ToolSet {
  return {
    search_docs: {
      description: 'Searches the dk documentation bundled with the demo. Returns the best passages with their source.',
      parameters: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'What to look for' },
          k: { type: 'integer', minimum: 1, maximum: 5, description: 'How many passages (default 3)' },
        },
        required: ['query'],
        additionalProperties: false,
      },
      execute: async ({ query, k }: { query: string; k?: number }, { signal }) => {
        const results = await corpus.search(query, { k: k ?? 3, signal });
        return results.map((result) => ({
          id: result.id,
          source: result.metadata?.['source'] ?? null,
          score: Math.round(result.score * 1000) / 1000,
          text: result.content.slice(0, 300),
        }));
      },
    },
    save_note: {
      description: 'Saves a short note for the user. Asks the user for approval before it runs.',
      parameters: {
        type: 'object',
        properties: { text: { type: 'string', minLength: 1, maxLength: 500, description: 'The note' } },
        required: ['text'],
        additionalProperties: false,
      },
      needsApproval: true,
      execute: async ({ text }: { text: string }, { conversationId }) => {
        const note = { text, conversationId, savedAt: new Date().toISOString() };
        await notes.save(note);
        return { saved: true, text };
      },
    },
  };
}

/** A fresh tool call id (the echo model's default ids restart with the process). */
const callId = (): string => `call_${randomUUID().slice(0, 8)}`;

/** The first line of what the user typed, from a message rendered through the chat prompt. */
function typed(content: string): string {
  return content.split('\n')[0]?.trim() ?? '';
}

/**
 * The echo model's script for the demo tools, deterministic: a message starting with
 * `note:` calls `save_note`, one starting with `search:` calls `search_docs`; after a tool
 * result the model reports it. Everything else is echoed.
 */
export function echoToolScript(messages: readonly { readonly role: string; readonly content: string }[]) {
  const last = messages.at(-1);
  if (last === undefined) return undefined;
  if (last.role === 'tool') {
    let result: unknown = last.content;
    try {
      result = JSON.parse(last.content);
    } catch {
      // Plain text results (errors, rejections) are reported as they are.
    }
    if (Array.isArray(result))
      return `I searched the docs and found ${result.length} passage${result.length === 1 ? '' : 's'}:\n\n${result
        .map((item: { source?: string; text?: string }) => `- **${item.source ?? '?'}**: ${item.text ?? ''}`)
        .join('\n')}`;
    if (typeof result === 'object' && result !== null && (result as { saved?: unknown }).saved === true)
      return `Saved your note: "${(result as { text?: string }).text ?? ''}".`;
    return `The tool did not run: ${last.content}`;
  }
  if (last.role !== 'user') return undefined;
  const text = typed(last.content);
  if (/^note:/i.test(text))
    return { toolCalls: [{ id: callId(), name: 'save_note', arguments: { text: text.slice(5).trim() } }] };
  if (/^search:/i.test(text))
    return { toolCalls: [{ id: callId(), name: 'search_docs', arguments: { query: text.slice(7).trim() } }] };
  return undefined;
}
