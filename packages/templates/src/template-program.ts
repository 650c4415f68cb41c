/** Op kinds of a compiled template. */
export const OP_TEXT = 0;
export const OP_VARIABLE = 1;
export const OP_SECTION = 2;

/** Which built-in variable a root name is (0 when it is none). */
export const BUILTIN_NONE = 0;
export const BUILTIN_DATE = 1;
export const BUILTIN_DATETIME = 2;
export const BUILTIN_YEAR = 3;

/** A variable path, split once at compile time. Shared by every occurrence of the path. */
export interface VariableRef {
  /** The path as written without white space, e.g. `user.name`. */
  readonly path: string;
  /** The first segment. */
  readonly root: string;
  /** Whether `root` names a property of `Object.prototype`, so only own properties count. */
  readonly rootOwnOnly: boolean;
  /** Segments after the root. */
  readonly rest: readonly string[];
  /** Per segment of `rest`: whether only own properties count. */
  readonly restOwnOnly: readonly boolean[];
  /** Which built-in the root is, when no param or default supplies it. */
  readonly builtin: number;
  /** Position of this path in the program's distinct `refs`. */
  readonly index: number;
  /** A plain root name: no further segments, not a built-in, not an own-only name. */
  readonly direct: boolean;
}

/**
 * One step of a compiled template. Every op has the same shape so the render loop stays
 * monomorphic, and every op first appends `prefix` (the text before it).
 * - `OP_TEXT`: only the prefix (text at the end of the template or of a section).
 * - `OP_VARIABLE`: then the value of `ref`; without a value nothing when `inSection`, else
 *   `source` (the tag as written), recording the path as unresolved. `occurrence` is its index
 *   in the program's `checks`.
 * - `OP_SECTION`: then, if none of `checks[checkStart..checkEnd)` has a value, jump to `end`.
 */
export class TemplateOp {
  constructor(
    readonly kind: number,
    readonly prefix: string,
    readonly ref: VariableRef | null,
    readonly source: string,
    readonly inSection: boolean,
    readonly occurrence: number,
    public end: number,
    readonly checkStart: number,
    readonly checkEnd: number,
  ) {}
}

/** The compiled form of a template: a flat op list and the variable tables. */
export interface TemplateProgram {
  readonly ops: readonly TemplateOp[];
  /** Every variable occurrence in text order; sections check a contiguous range of it. */
  readonly checks: readonly VariableRef[];
  /** Distinct variables in text order. */
  readonly refs: readonly VariableRef[];
}
