import { checkOptionValues, invalidOptionValue } from '../check-option-values.js';
import type { LLMMessage, MessageRole } from '@dk/spec';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationMiddleware } from '../conversation-middleware.js';

/** One rewrite rule of {@link HistoryRedactionMiddleware}. */
export interface HistoryRedaction {
  /** What to replace: a RegExp, or a regular-expression source string. Must not match the empty string. */
  readonly pattern: RegExp | string;
  /** Replacement text (`$1`-style references allowed). Default `''`. */
  readonly replacement?: string;
}

/** Settings of {@link HistoryRedactionMiddleware}. */
export interface HistoryRedactionMiddlewareOptions {
  /** Rules applied in order (put specific patterns before general ones). */
  readonly redactions: readonly HistoryRedaction[];
  /** Roles whose messages are rewritten. Default `['assistant']`. */
  readonly roles?: readonly MessageRole[];
}

/**
 * Rewrites the messages sent to the model (e.g. strips stale citations from earlier
 * answers) without touching the stored conversation: it returns new message objects.
 */
export class HistoryRedactionMiddleware implements ConversationMiddleware {
  readonly name = 'HistoryRedactionMiddleware';
  readonly #rules: readonly { readonly pattern: RegExp; readonly replacement: string }[];
  readonly #roles: ReadonlySet<MessageRole>;

  constructor(options: HistoryRedactionMiddlewareOptions) {
    checkOptionValues(
      'HistoryRedactionMiddleware',
      options,
      { redactions: 'array', roles: 'string-array' },
      "new HistoryRedactionMiddleware({ redactions: [{ pattern: /sk-\\w+/, replacement: '[key]' }] })",
    );
    const { redactions, roles = ['assistant'] } = options;
    if (!Array.isArray(redactions) || redactions.length === 0) {
      throw new ConversationInputError({
        field: 'redactions',
        reason: 'must be a non-empty list of `{ pattern, replacement? }`',
      });
    }
    this.#rules = redactions.map((entry: unknown, index) => {
      const rule = checkedRule(entry, index);
      let pattern: RegExp;
      try {
        pattern =
          typeof rule.pattern === 'string'
            ? new RegExp(rule.pattern, 'g')
            : new RegExp(
                rule.pattern.source,
                rule.pattern.flags.includes('g') ? rule.pattern.flags : `${rule.pattern.flags}g`,
              );
      } catch (error) {
        throw new ConversationInputError({
          field: `redactions[${index}].pattern`,
          reason: 'is not a valid regular expression',
          cause: error,
        });
      }
      if (pattern.source === '(?:)' || new RegExp(pattern.source, pattern.flags.replace('g', '')).test('')) {
        throw new ConversationInputError({
          field: `redactions[${index}].pattern`,
          reason: 'matches the empty string',
          hint: 'Use a pattern that matches at least one character.',
        });
      }
      return { pattern, replacement: rule.replacement ?? '' };
    });
    this.#roles = new Set(roles);
  }

  /** Applies the rules to `text`. */
  redact(text: string): string {
    let result = text;
    for (const rule of this.#rules) result = result.replace(rule.pattern, rule.replacement);
    return result;
  }

  processRequest(messages: readonly LLMMessage[]): readonly LLMMessage[] {
    let changed = false;
    const result = messages.map((message) => {
      if (!this.#roles.has(message.role)) return message;
      const content = this.redact(message.content);
      if (content === message.content) return message;
      changed = true;
      return { ...message, content };
    });
    return changed ? result : messages;
  }
}

function checkedRule(entry: unknown, index: number): HistoryRedaction {
  const component = 'HistoryRedactionMiddleware';
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry) || entry instanceof RegExp) {
    throw invalidOptionValue(component, `redactions[${index}]`, 'an object `{ pattern, replacement? }`', entry);
  }
  const { pattern, replacement } = entry as { pattern?: unknown; replacement?: unknown };
  if (typeof pattern !== 'string' && !(pattern instanceof RegExp)) {
    throw invalidOptionValue(
      component,
      `redactions[${index}].pattern`,
      'a regular expression or its source text',
      pattern,
    );
  }
  if (replacement !== undefined && typeof replacement !== 'string') {
    throw invalidOptionValue(component, `redactions[${index}].replacement`, 'a string', replacement);
  }
  return { pattern, ...(replacement === undefined ? {} : { replacement }) };
}
