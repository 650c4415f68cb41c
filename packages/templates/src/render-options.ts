import type { ValidationLevel } from './validation-level.js';

/** Which parameters a render must have, and how it reacts when they are missing. */
export interface ValidationOptions {
  /**
   * How the render reports problems. Default `'warn'`.
   * - `'error'`: throws {@link MissingParametersError} for required params without a value,
   *   and for variables left in the text as `{{name}}` (unless optional or `partial`);
   *   missing optional params are warnings.
   * - `'warn'`: renders; each of those is a line in `warnings`.
   * - `'ignore'`: renders; only `missing` and `unresolved` are filled.
   */
  readonly level?: ValidationLevel;
  /**
   * Names (or dotted paths) that must have a value: absent, `null`, a blank string and `[]`
   * are missing. Reported in this order.
   */
  readonly required?: readonly string[];
  /**
   * Names (or dotted paths) that may be missing. A missing one is a warning (levels `'warn'`
   * and `'error'`), never an error, and it may stay in the text as `{{name}}` without an
   * error (also with `strict: true`).
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
   * When `true`, a variable left in the text as `{{name}}` (absent or `null`, outside every
   * section) is an error ({@link MissingParametersError} with reason `'unresolved'`) at every
   * validation level, not only at `'error'`. Default `false`.
   */
  readonly strict?: boolean;
  /**
   * Marks the render as one stage of staged rendering: variables left as `{{name}}` are
   * expected (a later render fills them), so they are listed in `unresolved` but are neither
   * a warning nor an error. Required and optional params are still checked. Cannot be
   * combined with `strict`. Default `false`.
   */
  readonly partial?: boolean;
  /**
   * The clock behind `current_date`, `current_datetime` and `current_year`; called at most
   * once per render, only when one of them is used. Default `() => new Date()`.
   */
  readonly clock?: () => Date;
}
