import type { LLMMessage, LLMResponse, StreamPart } from '@dk/spec';
import { checkOptionValues } from '../check-option-values.js';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationMiddleware, MiddlewareContext, StreamPartResult } from '../conversation-middleware.js';

/** Settings of {@link ContentFilterMiddleware}. */
export interface ContentFilterMiddlewareOptions {
  /** Words or phrases to replace (plain text, matched anywhere). */
  readonly words?: readonly string[];
  /** Regular expressions to replace. Each match must be at most `maxMatchLength` characters for stream safety. */
  readonly patterns?: readonly RegExp[];
  /** Text put in place of a match. Default `[FILTERED]`. */
  readonly replacement?: string;
  /** Match `words` case-sensitively. Default `false`. */
  readonly caseSensitive?: boolean;
  /** Also filter the user messages sent to the model (copies; stored nodes are not changed). Default `false`. */
  readonly filterRequests?: boolean;
  /**
   * Longest text a `patterns` match can span, in characters; the stream holds back this
   * many characters minus one so a match split across deltas is still caught. Default 64.
   */
  readonly maxMatchLength?: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const pendingKey = Symbol('content-filter-pending');

interface PendingText {
  text: string;
  count: number;
}

/**
 * Replaces configured words and patterns in responses, streaming included: deltas are
 * buffered with a tail long enough that a match split across deltas is still replaced
 * before the text reaches the caller. Sets `contentFiltered` / `contentFilteredCount` in
 * the assistant node's metadata when something was replaced.
 */
export class ContentFilterMiddleware implements ConversationMiddleware {
  readonly name = 'ContentFilterMiddleware';
  readonly #matchers: readonly RegExp[];
  readonly #replacement: string;
  readonly #holdBack: number;
  readonly #filterRequests: boolean;
  readonly #key = Symbol('content-filter');

  constructor(options: ContentFilterMiddlewareOptions) {
    checkOptionValues(
      'ContentFilterMiddleware',
      options,
      {
        words: 'string-array',
        patterns: 'regexp-array',
        replacement: 'string',
        caseSensitive: 'boolean',
        filterRequests: 'boolean',
        maxMatchLength: 'number',
      },
      "new ContentFilterMiddleware({ words: ['darn'] })",
    );
    const {
      words = [],
      patterns = [],
      replacement = '[FILTERED]',
      caseSensitive = false,
      filterRequests = false,
      maxMatchLength = 64,
    } = options;
    const cleanWords = words.filter((word) => typeof word === 'string' && word.length > 0);
    if (cleanWords.length === 0 && patterns.length === 0) {
      throw new ConversationInputError({
        field: 'words',
        reason: 'is empty and no `patterns` were given',
        hint: 'Pass at least one word or pattern to filter.',
      });
    }
    if (!Number.isInteger(maxMatchLength) || maxMatchLength < 1) {
      throw new ConversationInputError({ field: 'maxMatchLength', reason: 'must be a positive integer' });
    }
    // Longest alternatives first, so "bad word" wins over "bad". Words share one matcher;
    // each pattern keeps its own flags (so a pattern's `i` does not leak onto the words).
    const sources = [...cleanWords].sort((a, b) => b.length - a.length).map(escapeRegExp);
    const matchers: RegExp[] = [];
    if (sources.length > 0) matchers.push(new RegExp(sources.join('|'), caseSensitive ? 'g' : 'gi'));
    for (const pattern of patterns) {
      const flags = new Set([...pattern.flags].filter((flag) => flag !== 'y'));
      flags.add('g');
      matchers.push(new RegExp(pattern.source, [...flags].join('')));
    }
    this.#matchers = matchers;
    this.#replacement = replacement;
    this.#filterRequests = filterRequests;
    this.#holdBack = Math.max(maxMatchLength, ...cleanWords.map((word) => word.length)) - 1;
  }

  /** Returns `text` with every match replaced, and how many were. */
  filter(text: string): { readonly text: string; readonly count: number } {
    let count = 0;
    let result = text;
    for (const matcher of this.#matchers) {
      result = result.replace(matcher, (match: string) => {
        if (match.length === 0) return match;
        count += 1;
        return this.#replacement;
      });
    }
    return { text: result, count };
  }

  #record(context: MiddlewareContext, count: number): void {
    if (count === 0) return;
    const previous = context.turnData.get(this.#key);
    const total = (typeof previous === 'number' ? previous : 0) + count;
    context.turnData.set(this.#key, total);
    context.setNodeMetadata('contentFiltered', true);
    context.setNodeMetadata('contentFilteredCount', total);
  }

  processRequest(messages: readonly LLMMessage[]): readonly LLMMessage[] | undefined {
    if (!this.#filterRequests) return undefined;
    return messages.map((message) => {
      if (message.role !== 'user') return message;
      const { text, count } = this.filter(message.content);
      return count === 0 ? message : { ...message, content: text };
    });
  }

  processResponse(response: LLMResponse, context: MiddlewareContext): LLMResponse {
    const { text, count } = this.filter(response.content);
    if (count === 0) return response;
    this.#record(context, count);
    return { ...response, content: text };
  }

  #pending(context: MiddlewareContext): PendingText {
    let pending = context.turnData.get(pendingKey) as Map<symbol, PendingText> | undefined;
    if (pending === undefined) {
      pending = new Map();
      context.turnData.set(pendingKey, pending);
    }
    let state = pending.get(this.#key);
    if (state === undefined) {
      state = { text: '', count: 0 };
      pending.set(this.#key, state);
    }
    return state;
  }

  /** Filters everything still held back. */
  #flush(state: PendingText, context: MiddlewareContext): StreamPart[] {
    if (state.text === '') return [];
    const { text, count } = this.filter(state.text);
    state.text = '';
    this.#record(context, count);
    return text === '' ? [] : [{ type: 'text-delta', text }];
  }

  processStreamPart(part: StreamPart, context: MiddlewareContext): StreamPartResult {
    const state = this.#pending(context);
    if (part.type !== 'text-delta') return [...this.#flush(state, context), part];
    state.text += part.text;
    let cut = state.text.length - this.#holdBack;
    if (cut <= 0) return [];
    // Never cut through a match of any matcher: keep it whole in the buffer until it cannot
    // grow. Moving the cut back can put it inside another matcher's match, so repeat until stable.
    for (let moved = true; moved && cut > 0;) {
      moved = false;
      for (const matcher of this.#matchers) {
        for (const match of state.text.matchAll(matcher)) {
          const start = match.index;
          if (start >= cut) break;
          if (start + match[0].length > cut) {
            cut = start;
            moved = true;
            break;
          }
        }
      }
    }
    if (cut <= 0) return [];
    const { text, count } = this.filter(state.text.slice(0, cut));
    state.text = state.text.slice(cut);
    this.#record(context, count);
    return text === '' ? [] : [{ type: 'text-delta', text }];
  }
}
