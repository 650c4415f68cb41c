import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** Thrown when render options or params have the wrong shape (for example an unknown validation level). */
export class TemplateOptionsError extends DkError {
  static override readonly errorName: string = 'TemplateOptionsError';

  /** The option at fault, as a dotted path such as `validation.level`. */
  readonly option: string;

  constructor(option: string, message: string) {
    super({ message, code: 'TEMPLATE_OPTIONS' });
    this.option = option;
  }

  override get fields(): DkErrorFields {
    return { option: this.option };
  }
}
