import { runProviderConformance } from '@dk/test-kit';
import { createEchoConformanceHarness } from './testing/echo-conformance-harness.js';

runProviderConformance('echo', createEchoConformanceHarness);
