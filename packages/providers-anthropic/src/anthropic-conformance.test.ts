import { runProviderConformance } from '@dk/test-kit';
import { createAnthropicConformanceHarness } from './testing/anthropic-conformance-harness.js';

runProviderConformance('anthropic', createAnthropicConformanceHarness);
