import { ProviderError } from '@dk/spec';

/**
 * A strict `EchoProvider` was called when no scripted response was left. The test scripted
 * fewer responses than the code under test made calls. Not retryable.
 */
export class EchoScriptExhaustedError extends ProviderError {
  static override readonly errorName: string = 'EchoScriptExhaustedError';

  /** The number of the call that found the script empty (1-based). */
  readonly callNumber: number;

  constructor({ callNumber }: { readonly callNumber: number }) {
    super({
      provider: 'echo',
      code: 'ECHO_SCRIPT_EXHAUSTED',
      isRetryable: false,
      message: `EchoProvider (strict) has no scripted response left for call ${callNumber}. Script more responses (setResponses/addResponse), add a pattern or a response function, or turn strict off.`,
    });
    this.callNumber = callNumber;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { ...super.fields, callNumber: this.callNumber };
  }
}
