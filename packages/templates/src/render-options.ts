import type { ValidationLevel } from './validation-level.js';

/** Which parameters a render must have, and how it reacts when they are missing. */
export interface ValidationOptions {
  /** Reaction to missing required parameters. Default `'warn'`. */
  readonly level?: ValidationLevel;
  /**
   * Names (or dotted paths) that must have a value that is neither absent nor `null`.
   * Reported in this order.
   */
  readonly required?: readonly string[];
  /**
   * Names (or dotted paths) that may be absent. They are never reported as missing, and with
   * `strict: true` they may stay unresolved (left verbatim) without an error.
   */
  readonly optional?: readonly string[];
}

/** Options of one render. Nothing in them is mutated. */
export interface RenderOptions {
  /** Required/optional parameters and the validation level. */
  readonly validation?: ValidationOptions;
  /**
   * Values used for a root name whose param is absent (`undefined`). A param set to `null`
   * is present and hides its default.
   */
  readonly defaults?: Readonly<Record<string, unknown>>;
  /**
   * When `true`, a variable outside every section that has no value is an error
   * ({@link MissingParametersError} with reason `'unresolved'`) instead of being left
   * verbatim. Default `false`.
   */
  readonly strict?: boolean;
  /**
   * The clock behind `current_date`, `current_datetime` and `current_year`; called at most
   * once per render, only when one of them is used. Default `() => new Date()`.
   */
  readonly clock?: () => Date;
}
