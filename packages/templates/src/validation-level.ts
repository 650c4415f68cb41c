/**
 * How a render reacts to required parameters that are missing (absent or `null`):
 * `'error'` throws {@link MissingParametersError}, `'warn'` adds a message to
 * `RenderResult.warnings`, `'ignore'` only lists them in `RenderResult.missing`.
 */
export type ValidationLevel = 'error' | 'warn' | 'ignore';

/** The validation levels as constants: `ValidationLevel.ERROR` is `'error'`, and so on. */
export const ValidationLevel = Object.freeze({
  ERROR: 'error',
  WARN: 'warn',
  IGNORE: 'ignore',
} as const);
