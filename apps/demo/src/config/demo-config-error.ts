import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** The demo configuration (YAML file or environment variable) is missing, unreadable or invalid. */
export class DemoConfigError extends DkError {
  static override readonly errorName: string = 'DemoConfigError';

  /** The offending key as a dotted path (`storage.type`) or environment variable (`DATABASE_URL`). */
  readonly key: string;
  /** Where the value came from: a file path, `environment` or `command line`. */
  readonly source: string;

  constructor({
    key,
    source,
    problem,
    hint,
    cause,
  }: {
    readonly key: string;
    readonly source: string;
    readonly problem: string;
    readonly hint: string;
    readonly cause?: unknown;
  }) {
    super({
      message: `Invalid demo configuration: \`${key}\` (${source}) ${problem}. ${hint}`,
      code: 'DEMO_CONFIG_INVALID',
      cause,
    });
    this.key = key;
    this.source = source;
  }

  override get fields(): DkErrorFields {
    return { key: this.key, source: this.source };
  }
}
