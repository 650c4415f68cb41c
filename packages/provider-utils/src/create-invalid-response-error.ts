import { InvalidResponseError } from '@dk/spec';
import { joinSentences } from './join-sentences.js';
import { retryHint } from './create-provider-error.js';

/** What is known about a malformed answer; see {@link createInvalidResponseError}. */
export interface CreateInvalidResponseErrorOptions {
  readonly provider: string;
  /** What was expected and what was wrong, e.g. `expected a chat completion with \`choices\``. */
  readonly problem: string;
  /** The body as the client returned it (a string for non-JSON bodies); a short excerpt is quoted. */
  readonly body?: unknown;
  readonly requestId?: string | undefined;
  readonly cause?: unknown;
}

/**
 * The `InvalidResponseError` for a success answer that is not a valid answer (an HTML page, JSON
 * missing fields, an unparsable event, a stream that ended early). Retryable: see the class.
 *
 * @example
 * if (!Array.isArray(data?.choices)) throw createInvalidResponseError({ provider, problem: 'expected `choices`', body: data });
 */
export function createInvalidResponseError({
  provider,
  problem,
  body,
  requestId,
  cause,
}: CreateInvalidResponseErrorOptions): InvalidResponseError {
  const excerpt = describeBody(body);
  return new InvalidResponseError({
    provider,
    requestId,
    cause,
    message: joinSentences(
      `${provider} sent an invalid answer: ${problem}${excerpt === '' ? '' : `, got ${excerpt}`}`,
      retryHint,
    ),
  });
}

function describeBody(body: unknown): string {
  if (body === undefined) return '';
  if (typeof body === 'string') {
    const text = body.trim().replace(/\s+/g, ' ');
    const kind = /^<(!doctype html|html|head|body)\b/i.test(text) ? 'an HTML page' : 'a text body';
    return `${kind} (${JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text)})`;
  }
  if (body === null || typeof body !== 'object') return `${String(body)}`;
  const keys = Object.keys(body).slice(0, 6);
  return keys.length === 0
    ? 'an empty JSON object'
    : `a JSON object with ${keys.map((key) => `\`${key}\``).join(', ')}`;
}
