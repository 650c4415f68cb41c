import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one closing line at exit, `tests: N passed, N failed, N skipped`, that CI reads to know how
 * many tests ran.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const testModule of testModules) {
      for (const testCase of testModule.children.allTests()) {
        const state = testCase.result().state;
        if (state === 'passed') passed += 1;
        else if (state === 'failed') failed += 1;
        else skipped += 1;
      }
      if (testModule.state() === 'failed' && testModule.errors().length > 0) failed += 1;
    }
    // Printed at exit so it is the run's closing line, after the default reporter's summary.
    process.once('exit', () => {
      process.stdout.write(`\ntests: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
    });
  }
}
