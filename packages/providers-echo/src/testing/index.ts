// The conformance harness for this package's tests and the workspace's provider-level suites.
// Not published: the `./testing` entry exists only under the `@dk/source` condition and is
// excluded from the build.
export { createEchoConformanceHarness } from './echo-conformance-harness.js';
