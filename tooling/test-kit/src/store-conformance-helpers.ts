import { expect } from 'vitest';
import type { ConversationRecord, ConversationStore, DkError, NewConversationNode } from '@dk/spec';

/** An error class with `isInstance` (every dk error class). */
export type ErrorClass = { readonly errorName: string; isInstance(error: unknown): boolean };

/** Awaits `promise`, expecting it to reject with `errorClass` (and `fields`, when given). */
export async function expectDkError<T>(
  promise: Promise<T>,
  errorClass: ErrorClass,
  fields?: Record<string, unknown>,
): Promise<DkError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${errorClass.errorName}`).toBeDefined();
  expect(errorClass.isInstance(caught), `expected ${errorClass.errorName}, got ${String(caught)}`).toBe(true);
  const error = caught as DkError;
  if (fields !== undefined) expect(error.fields).toMatchObject(fields);
  return error;
}

/** Resolves after `milliseconds`. */
export const sleep = (milliseconds: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, milliseconds));

/** The ids of a page's conversations. */
export const ids = (page: { readonly items: readonly ConversationRecord[] }): string[] =>
  page.items.map((item) => item.id);

/** A user message (or other role via `extra`). */
export function message(content: string, extra: Partial<NewConversationNode> = {}): NewConversationNode {
  return { role: 'user', content, ...extra };
}

/** Builds a conversation from `[parentId, content]` steps, returning the nodes in append order. */
export async function build(
  store: ConversationStore,
  conversationId: string,
  steps: readonly (readonly [string | null, string])[],
) {
  const nodes = [];
  for (const [parentId, content] of steps) {
    nodes.push((await store.appendNode({ conversationId, parentId, node: message(content) })).node);
  }
  return nodes;
}
