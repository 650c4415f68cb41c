// Test servers for this package's tests and the workspace benchmarks. Not published: the
// `./testing` entry exists only under the `@dk/source` condition and is excluded from the build.
export {
  openAIChatCompletionBody,
  openAIChatReply,
  openAIChatStreamFrames,
  openAIEmbeddingsReply,
  openAIErrorReply,
  openAIFixtureReply,
  readOpenAIFixture,
  startOpenAITestServer,
} from './openai-test-server.js';
export type { OpenAITestServer, OpenAITestTurn } from './openai-test-server.js';
export { createOpenAIConformanceHarness } from './openai-conformance-harness.js';
export type {
  RecordedHttpRequest as RecordedRequest,
  ScriptedHttpServer,
  ScriptedReply,
  ScriptedStep,
} from '@dk/test-kit/http-server';
