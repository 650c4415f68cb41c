/** The error that `run` throws, when `is` accepts it (e.g. `SomeError.isInstance`); else the test fails. */
export function thrownBy<T>(run: () => unknown, is: (error: unknown) => error is T): T {
  try {
    run();
  } catch (error) {
    if (is(error)) return error;
    throw error;
  }
  throw new Error('expected the call to throw');
}
