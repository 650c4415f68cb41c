import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/**
 * A conversation store, search adapter or embedding cache was created with a setting of the
 * wrong type or out of range (unknown setting names are `InvalidOptionsError`s).
 */
export class StoreSettingsError extends DkError {
  static override readonly errorName: string = 'StoreSettingsError';

  /** The provider name, e.g. `sqlite`. */
  readonly provider: string;
  /** The offending setting. */
  readonly setting: string;
  /** What was being created, e.g. `SqliteSearchAdapter`, when known. */
  readonly component: string | undefined;

  constructor({
    provider,
    setting,
    reason,
    component,
  }: {
    readonly provider: string;
    readonly setting: string;
    /** What is wrong and how to fix it, e.g. "must be a positive integer." */
    readonly reason: string;
    readonly component?: string;
  }) {
    super({
      message: `Invalid ${component ?? `${provider} store`} setting \`${setting}\`: ${reason}`,
      code: 'STORE_SETTINGS',
    });
    this.provider = provider;
    this.setting = setting;
    this.component = component;
  }

  override get fields(): DkErrorFields {
    return { provider: this.provider, setting: this.setting, component: this.component };
  }
}
