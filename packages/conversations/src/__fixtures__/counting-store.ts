// A MemoryConversationStore that counts the calls of each method, to prove what a turn reads and writes.
import { MemoryConversationStore } from '@dk/storage-memory';
import type { ConversationStore } from '@dk/spec';

export function countingStore(): { readonly store: ConversationStore; readonly counts: Map<string, number>; readonly memory: MemoryConversationStore } {
  const memory = new MemoryConversationStore();
  const counts = new Map<string, number>();
  const store = new Proxy(memory, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]) => {
        counts.set(property, (counts.get(property) ?? 0) + 1);
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store, counts, memory };
}
