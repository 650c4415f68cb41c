import { InMemorySearchAdapter } from '@dk/rag';
import type { SearchAdapter } from '@dk/spec';
import { runSearchAdapterConformance } from './search-conformance.js';
import { runGuideRagExamples } from './search-guide-examples.js';

runSearchAdapterConformance('in-memory', {
  batchSize: 100,
  createAdapter: (name) => new InMemorySearchAdapter({ name }),
});

runGuideRagExamples('in-memory', {
  createAdapter: (name) => new InMemorySearchAdapter({ name }),
  createBrokenAdapter: async (name): Promise<SearchAdapter> => {
    const adapter = new InMemorySearchAdapter({ name });
    await adapter.close();
    return adapter;
  },
});
