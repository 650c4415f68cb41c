import { DkError } from '@dk/spec';

/** Options of a {@link PromptNotFoundError}. */
export interface PromptNotFoundErrorOptions {
  /** Name of the library that was searched. */
  readonly library: string;
  /** `system`, `user` or `rag`. */
  readonly kind: string;
  /** The name that was asked for. */
  readonly name: string;
  /** The closest existing names. */
  readonly suggestions: readonly string[];
  /** The other kind, when a prompt of that name exists there (a system prompt asked for as a user prompt). */
  readonly existsAs?: string | undefined;
}

/** A prompt (or RAG config) is not in the library. Names the library, kind and close matches. */
export class PromptNotFoundError extends DkError {
  static override readonly errorName: string = 'PromptNotFoundError';

  readonly library: string;
  readonly kind: string;
  readonly promptName: string;
  readonly suggestions: readonly string[];
  /** The other kind, when a prompt of that name exists there. */
  readonly existsAs: string | undefined;

  constructor(options: PromptNotFoundErrorOptions) {
    const hint =
      options.existsAs !== undefined
        ? ` There is a ${options.existsAs} prompt "${options.name}": render it with render${capitalise(options.existsAs)}Prompt("${options.name}").`
        : options.suggestions.length > 0
          ? ` Did you mean ${options.suggestions.map((suggestion) => `"${suggestion}"`).join(' or ')}?`
          : ` Add ${options.kind}/${options.name}.yaml to the library.`;
    super({
      message: `${options.kind === 'rag' ? 'RAG config' : `${capitalise(options.kind)} prompt`} "${options.name}" not found in library "${options.library}".${hint}`,
      code: 'PROMPT_NOT_FOUND',
    });
    this.library = options.library;
    this.kind = options.kind;
    this.promptName = options.name;
    this.suggestions = Object.freeze([...options.suggestions]);
    this.existsAs = options.existsAs;
  }

  override get fields(): Readonly<Record<string, unknown>> {
    return {
      library: this.library,
      kind: this.kind,
      promptName: this.promptName,
      suggestions: this.suggestions,
      existsAs: this.existsAs,
    };
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
