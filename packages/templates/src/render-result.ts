/** What a render produced. */
export interface RenderResult {
  /** The rendered text. */
  readonly content: string;
  /**
   * Root parameter names used by the template mapped to the value they resolved to (from
   * params, defaults or a built-in); names that resolved to nothing are left out. Computed
   * on first access.
   */
  readonly paramsUsed: Readonly<Record<string, unknown>>;
  /** Required parameters (`validation.required`) that were absent or `null`, in declaration order. */
  readonly missing: readonly string[];
  /** Variables left verbatim in the output because they had no value, distinct, in text order. */
  readonly unresolved: readonly string[];
  /** Validation warnings (level `'warn'`). */
  readonly warnings: readonly string[];
  /** Every variable path in the template, distinct, in text order. */
  readonly variables: readonly string[];
}
