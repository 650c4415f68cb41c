import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** A SQL conversation store was created with invalid settings. */
export class StoreSettingsError extends DkError {
  static override readonly errorName: string = 'StoreSettingsError';

  /** The store's provider name, e.g. `sqlite`. */
  readonly provider: string;
  /** The offending setting. */
  readonly setting: string;

  constructor({
    provider,
    setting,
    reason,
  }: {
    readonly provider: string;
    readonly setting: string;
    readonly reason: string;
  }) {
    super({ message: `Invalid ${provider} store setting \`${setting}\`: ${reason}`, code: 'STORE_SETTINGS' });
    this.provider = provider;
    this.setting = setting;
  }

  override get fields(): DkErrorFields {
    return { provider: this.provider, setting: this.setting };
  }
}
