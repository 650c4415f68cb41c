import { runProviderConformance } from '@dk/test-kit';
import { createOpenAIConformanceHarness } from './testing/openai-conformance-harness.js';

runProviderConformance('openai', createOpenAIConformanceHarness);
