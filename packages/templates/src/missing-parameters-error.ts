import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/**
 * Why a {@link MissingParametersError} was thrown: `'required'` when names listed in
 * `validation.required` are absent or `null` at level `'error'`; `'unresolved'` when
 * `strict: true` and variables outside sections had no value.
 */
export type MissingParametersReason = 'required' | 'unresolved';

/**
 * Thrown when a render cannot supply parameters it must supply: required parameters at
 * validation level `'error'`, or (with `strict: true`) variables left unresolved.
 */
export class MissingParametersError extends DkError {
  static override readonly errorName: string = 'MissingParametersError';

  /** The names that had no value: in declaration order for `'required'`, in text order for `'unresolved'`. */
  readonly missing: readonly string[];
  /** Which rule failed. */
  readonly reason: MissingParametersReason;

  constructor(missing: readonly string[], reason: MissingParametersReason = 'required') {
    const list = missing.join(', ');
    super({
      message:
        reason === 'required'
          ? `Missing required parameters: ${list}. Pass a value (not null) for each, add a default, or lower the validation level.`
          : `Unresolved template variables in strict mode: ${list}. Pass a value for each, add a default, list them in validation.optional, or render without strict.`,
      code: reason === 'required' ? 'TEMPLATE_MISSING_PARAMETERS' : 'TEMPLATE_UNRESOLVED_VARIABLES',
    });
    this.missing = Object.freeze([...missing]);
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { missing: this.missing, reason: this.reason };
  }
}
