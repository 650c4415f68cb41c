import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/**
 * Thrown when a value cannot be turned into text: `JSON.stringify` failed with a
 * `RangeError`, which happens for objects nested so deeply that it runs out of stack
 * (thousands of levels) or whose JSON would exceed the engine's longest string. Arrays are
 * flattened without recursion, so their nesting never causes it.
 */
export class TemplateValueError extends DkError {
  static override readonly errorName: string = 'TemplateValueError';

  /** The variable path whose value failed, or `undefined` when `stringifyValue` was called directly. */
  readonly path: string | undefined;

  constructor(path: string | undefined, cause: unknown) {
    const what = path === undefined ? 'A value' : `The value of \`{{${path}}}\``;
    const reason = cause instanceof Error ? ` (${cause.message})` : '';
    super({
      message: `${what} cannot be turned into text: JSON.stringify failed${reason}, so it holds objects nested too deeply (thousands of levels) or is too large. Pass a flatter or smaller value, or a string you built yourself.`,
      code: 'TEMPLATE_VALUE',
      cause,
    });
    this.path = path;
  }

  override get fields(): DkErrorFields {
    return { path: this.path };
  }
}
