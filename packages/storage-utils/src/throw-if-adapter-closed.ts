import { RagSearchError } from '@dk/spec';

/**
 * Throws the `RagSearchError` (`RAG_ADAPTER_CLOSED`) of a search adapter or cache used after
 * its `close()`, naming the class to create anew.
 */
export function throwIfAdapterClosed(closed: boolean, adapterName: string, component: string): void {
  if (closed) {
    throw new RagSearchError({
      message: `Search adapter "${adapterName}" is closed. Create a new ${component}.`,
      adapterName,
      code: 'RAG_ADAPTER_CLOSED',
    });
  }
}
