// Test servers for this package's tests and the workspace benchmarks. Not published: the
// `./testing` entry exists only under the `@dk/source` condition and is excluded from the build.
export {
  startAnthropicTestServer,
  anthropicErrorReply,
  anthropicFixtureReply,
  anthropicMessageBody,
  anthropicMessageReply,
  anthropicStreamFrames,
  readAnthropicFixture,
} from './anthropic-test-server.js';
export type { AnthropicTestServer, AnthropicTestTurn } from './anthropic-test-server.js';
export { createAnthropicConformanceHarness } from './anthropic-conformance-harness.js';
export type {
  RecordedHttpRequest as RecordedRequest,
  ScriptedHttpServer,
  ScriptedReply,
  ScriptedStep,
} from '@dk/test-kit/http-server';
