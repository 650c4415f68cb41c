import { InMemorySearchAdapter } from '@dk/rag';
import { runSearchAdapterConformance } from './search-conformance.js';

runSearchAdapterConformance('in-memory', { batchSize: 100, createAdapter: (name) => new InMemorySearchAdapter({ name }) });
