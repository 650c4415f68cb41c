import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/**
 * Why a {@link MissingParametersError} was thrown: `'required'` when names listed in
 * `validation.required` have no value (absent, `null`, blank or `[]`) at level `'error'`;
 * `'unresolved'` when variables outside sections were left in the text as `{{name}}` at
 * level `'error'` or with `strict: true`.
 */
export type MissingParametersReason = 'required' | 'unresolved';

/**
 * Thrown when a render cannot supply parameters it must supply: required parameters at
 * validation level `'error'`, or variables left unresolved at level `'error'` or with
 * `strict: true`.
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
          ? `Missing required parameters: ${list}. Pass a non-empty value for each (absent, null, blank strings and [] count as missing), add a default, or lower the validation level.`
          : `Unresolved template variables: ${list} would be left in the text as {{…}}. Pass a value for each (an empty string renders as nothing), add a default, list them in validation.optional, or render with partial: true when a later stage fills them.`,
      code: reason === 'required' ? 'TEMPLATE_MISSING_PARAMETERS' : 'TEMPLATE_UNRESOLVED_VARIABLES',
    });
    this.missing = Object.freeze([...missing]);
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { missing: this.missing, reason: this.reason };
  }
}
