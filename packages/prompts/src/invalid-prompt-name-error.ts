import { DkError } from '@dk/spec';

/** A prompt name is not allowed: empty, absolute, with `..` or `.` segments, or odd characters. */
export class InvalidPromptNameError extends DkError {
  static override readonly errorName: string = 'InvalidPromptNameError';

  /** The rejected name. */
  readonly promptName: string;

  constructor(options: { readonly name: string; readonly reason: string }) {
    super({
      message: `Prompt name ${JSON.stringify(options.name)} is not allowed: ${options.reason}. Use names like "code_reviewer" or "billing/refund" (letters, digits, _ - . in /-separated segments).`,
      code: 'PROMPT_NAME_INVALID',
    });
    this.promptName = options.name;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { promptName: this.promptName };
  }
}
