import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

/**
 * A constructor or function was given options it does not know, or of the wrong shape:
 * thrown instead of silently ignoring them (a plain-JS caller's `echo_prefix` for
 * `echoPrefix`, a misspelt `filterWords`).
 */
export class InvalidOptionsError extends DkError {
  static override readonly errorName: string = 'InvalidOptionsError';

  /** What received the options, e.g. `EchoProvider` or `ContentFilterMiddleware`. */
  readonly component: string;
  /** The option names that are not known. */
  readonly unknown: readonly string[];
  /** For each unknown name, the known name it most likely meant (when there is one). */
  readonly suggestions: Readonly<Record<string, string>>;

  constructor({
    component,
    unknown,
    suggestions,
    message,
  }: {
    readonly component: string;
    readonly unknown: readonly string[];
    readonly suggestions: Readonly<Record<string, string>>;
    readonly message: string;
  }) {
    super({ message, code: 'INVALID_OPTIONS' });
    this.component = component;
    this.unknown = unknown;
    this.suggestions = suggestions;
  }

  override get fields(): DkErrorFields {
    return { component: this.component, unknown: this.unknown, suggestions: this.suggestions };
  }
}
