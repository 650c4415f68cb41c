/** Structured, JSON-safe fields that describe an error for logs and callers. */
export type DkErrorFields = Readonly<Record<string, unknown>>;

/** Options accepted by every {@link DkError} constructor. */
export interface DkErrorOptions {
  /** What failed and how to fix it. Never include secrets. */
  readonly message: string;
  /** Stable, machine-readable code, e.g. `TEMPLATE_SYNTAX`. Callers branch on this. */
  readonly code: string;
  /** The underlying error, kept as the standard `cause`. */
  readonly cause?: unknown;
}

const markerPrefix = 'dk.error.';

function markerFor(errorName: string): symbol {
  return Symbol.for(markerPrefix + errorName);
}

/**
 * Base class of every error thrown by dk packages.
 *
 * Each subclass declares a `static readonly errorName`; it becomes the error's stable `name`.
 * An instance carries a `Symbol.for` marker for its own class and every ancestor, so
 * `SomeError.isInstance(error)` works even when two copies of a package are installed
 * (where `instanceof` fails).
 */
export class DkError extends Error {
  /** The stable `name` of errors of this class. Subclasses must override it. */
  static readonly errorName: string = 'DkError';

  /** Stable, machine-readable code. */
  readonly code: string;

  constructor({ message, code, cause }: DkErrorOptions) {
    super(message, cause === undefined ? undefined : { cause });
    const errorClass = new.target;
    this.name = errorClass.errorName;
    this.code = code;
    for (
      let current: unknown = errorClass;
      typeof current === 'function' && Object.hasOwn(current, 'errorName');
      current = Object.getPrototypeOf(current)
    ) {
      Object.defineProperty(this, markerFor((current as typeof DkError).errorName), {
        value: true,
        enumerable: false,
      });
    }
  }

  /**
   * True when `error` is an instance of this class (or a subclass), including instances
   * created by another copy of the defining package.
   */
  static isInstance<T extends DkError>(
    this: { readonly errorName: string; readonly prototype: T },
    error: unknown,
  ): error is T {
    return (
      typeof error === 'object' &&
      error !== null &&
      (error as Record<symbol, unknown>)[markerFor(this.errorName)] === true
    );
  }

  /** The structured fields of this error; subclasses add their own. */
  get fields(): DkErrorFields {
    return {};
  }

  /** A JSON-safe description for structured logs: name, code, message and fields. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message, ...this.fields };
  }
}
