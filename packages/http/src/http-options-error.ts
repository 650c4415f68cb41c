import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** An option of `createConversationHandler` has a value it cannot use. */
export class HttpOptionsError extends DkError {
  static override readonly errorName: string = 'HttpOptionsError';

  /** The option, e.g. `maxBodyBytes`. */
  readonly option: string;

  constructor({ option, problem }: { readonly option: string; readonly problem: string }) {
    super({ message: `createConversationHandler: \`${option}\` ${problem}.`, code: 'INVALID_HTTP_OPTIONS' });
    this.option = option;
  }

  override get fields(): DkErrorFields {
    return { option: this.option };
  }
}
