import {
  ConversationInputError,
  ConversationStateError,
  RateLimitExceededError,
  TokenBudgetExceededError,
} from '@dk/conversations';
import {
  AuthenticationError,
  ContextLengthExceededError,
  ConversationConflictError,
  ConversationExistsError,
  ConversationNotFoundError,
  DkError,
  NodeNotFoundError,
  ProviderError,
  RateLimitError,
  SharedStateUnavailableError,
  StoreClosedError,
  TimeoutError,
} from '@dk/spec';
import { HttpError } from './http-error.js';

/** The JSON body of every error answer. `message` is written for the end user. */
export interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}

/** How an error is answered: status, JSON body, extra headers. */
export interface MappedError {
  readonly status: number;
  readonly body: ErrorBody;
  readonly headers: Readonly<Record<string, string>>;
  /**
   * True when the error's own message is for developers (a library error, or an unexpected
   * one): the handler logs it, and the client only sees the end-user message of the body.
   */
  readonly logged: boolean;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1000));

function answer(
  status: number,
  code: string,
  message: string,
  { headers = {}, logged = true }: { headers?: Record<string, string>; logged?: boolean } = {},
): MappedError {
  return { status, body: { error: { code, message } }, headers, logged };
}

/** A model provider's failure, told to the end user without the vendor's wording. */
function providerAnswer(error: ProviderError): MappedError {
  const code = error.code;
  if (RateLimitError.isInstance(error))
    return answer(503, code, 'The model is busy right now. Try again in a moment.', {
      headers: { 'retry-after': '5' },
    });
  if (TimeoutError.isInstance(error)) return answer(504, code, 'The model took too long to answer. Try again.');
  if (ContextLengthExceededError.isInstance(error))
    return answer(
      400,
      code,
      'This conversation is too long for the model. Start a new conversation, or edit an earlier message.',
    );
  if (AuthenticationError.isInstance(error))
    return answer(502, code, 'The server cannot reach its model (its credentials were refused). Tell the operator.');
  return answer(502, code, 'The model failed to answer. Try again.');
}

/**
 * Maps an error to HTTP: 400 bad input, 404 unknown conversation or message, 409 another
 * writer, 413 too large, 429 rate or budget (with `Retry-After`), 502/503/504 the model
 * failed, 503 shutting down or shared limiter state unavailable (`failClosed`), 500 anything else. The body's message is for end users: a
 * library error's own message (written for developers: "pass `x`", "call `y()`") is never
 * sent, only logged.
 */
export function mapError(error: unknown): MappedError {
  if (HttpError.isInstance(error))
    return answer(error.status, error.code, error.message, {
      headers: error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) },
      logged: false,
    });
  if (RateLimitExceededError.isInstance(error)) {
    const wait = seconds(error.retryAfterMs);
    return answer(429, error.code, `You are sending messages too fast. Try again in ${wait} s.`, {
      headers: { 'retry-after': String(wait) },
      logged: false,
    });
  }
  if (TokenBudgetExceededError.isInstance(error))
    return answer(429, error.code, 'This conversation has used up its token budget. Start a new conversation.', {
      logged: false,
    });
  if (ConversationNotFoundError.isInstance(error))
    return answer(404, error.code, 'This conversation does not exist (it may have been deleted).', { logged: false });
  if (NodeNotFoundError.isInstance(error))
    return answer(404, error.code, 'That message does not exist in this conversation.', { logged: false });
  if (ConversationStateError.isInstance(error))
    return answer(409, error.code, 'The conversation cannot do that now (a tool call may wait for approval).');
  if (ConversationInputError.isInstance(error)) return answer(400, error.code, 'The request is not valid.');
  if (ConversationConflictError.isInstance(error) || ConversationExistsError.isInstance(error))
    return answer(409, error.code, 'The conversation was changed elsewhere. Reload it and try again.', {
      logged: false,
    });
  if (SharedStateUnavailableError.isInstance(error))
    return answer(503, error.code, 'The server cannot check its limits right now. Try again in a moment.', {
      headers: { 'retry-after': '5' },
    });
  if (StoreClosedError.isInstance(error))
    return answer(503, error.code, 'The server is shutting down. Try again in a moment.', { logged: false });
  if (ProviderError.isInstance(error)) return providerAnswer(error);
  return answer(
    500,
    DkError.isInstance(error) ? error.code : 'INTERNAL',
    'Something went wrong on the server. Try again; if it keeps happening, tell the operator.',
  );
}
