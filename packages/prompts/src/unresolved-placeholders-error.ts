import { MissingParametersError } from '@dk/templates';
import type { DkErrorFields } from '@dk/spec';

/**
 * A prompt rendered at validation level `error` would have sent `{{name}}` placeholders to
 * the model verbatim: variables outside optional sections that no param, default or RAG
 * config filled. A `MissingParametersError` (reason `unresolved`), so one `catch` handles
 * both kinds of missing input.
 */
export class UnresolvedPlaceholdersError extends MissingParametersError {
  static override readonly errorName: string = 'UnresolvedPlaceholdersError';

  /** The prompt that was rendered (`<inline>` for inline templates). */
  readonly promptName: string;
  /** `system` or `user`. */
  readonly kind: string;

  constructor(options: { readonly promptName: string; readonly kind: string; readonly unresolved: readonly string[] }) {
    super(options.unresolved, 'unresolved');
    this.message = `${options.kind === 'system' ? 'System' : 'User'} prompt "${options.promptName}" would send unfilled placeholders to the model: ${options.unresolved.map((name) => `{{${name}}}`).join(', ')}. Pass a value for each in params, add a default to the prompt, wrap optional text in ((…)), or render with a lower validationLevel.`;
    this.promptName = options.promptName;
    this.kind = options.kind;
  }

  override get fields(): DkErrorFields {
    return { ...super.fields, promptName: this.promptName, kind: this.kind };
  }
}
