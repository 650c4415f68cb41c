import { DkError } from '@dk/spec';
import { formatPromptProblem } from './prompt-problem.js';
import type { PromptProblem } from './prompt-problem.js';

/**
 * One or more prompt files (or config entries) are invalid. Thrown when a library loads, so
 * nothing renders from a broken tree. `problems` lists every problem with file, line,
 * column, field path and fix; the message lists them as `file:line:col message`.
 */
export class PromptFileError extends DkError {
  static override readonly errorName: string = 'PromptFileError';

  /** Every problem found, in file order. */
  readonly problems: readonly PromptProblem[];

  constructor(options: { readonly problems: readonly PromptProblem[]; readonly cause?: unknown }) {
    const shown = options.problems.slice(0, 20).map(formatPromptProblem);
    const more = options.problems.length > 20 ? `\n  … and ${options.problems.length - 20} more` : '';
    super({
      message: `${options.problems.length} problem${options.problems.length === 1 ? '' : 's'} in prompt files:\n  ${shown.join('\n  ')}${more}`,
      code: 'PROMPT_FILE_INVALID',
      cause: options.cause,
    });
    this.problems = Object.freeze([...options.problems]);
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return { problems: this.problems };
  }
}
