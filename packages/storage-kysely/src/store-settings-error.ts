import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** A SQL conversation store was created with invalid settings. */
export class StoreSettingsError extends DkError {
  static override readonly errorName: string = 'StoreSettingsError';

  /** The store's backend name, e.g. `sqlite`. */
  readonly backend: string;
  /** The offending setting. */
  readonly setting: string;

  constructor({
    backend,
    setting,
    reason,
  }: {
    readonly backend: string;
    readonly setting: string;
    readonly reason: string;
  }) {
    super({ message: `Invalid ${backend} store setting \`${setting}\`: ${reason}`, code: 'STORE_SETTINGS' });
    this.backend = backend;
    this.setting = setting;
  }

  override get fields(): DkErrorFields {
    return { backend: this.backend, setting: this.setting };
  }
}
