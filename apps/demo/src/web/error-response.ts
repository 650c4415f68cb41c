import {
  ConversationInputError,
  ConversationStateError,
  RateLimitExceededError,
  TokenBudgetExceededError,
} from '@dk/conversations';
import {
  ConversationConflictError,
  ConversationNotFoundError,
  DkError,
  NodeNotFoundError,
  ProviderError,
} from '@dk/spec';
import { HttpError } from './http-error.js';

/** The HTTP answer for an error: status, JSON body and extra headers. */
export interface ErrorResponse {
  readonly status: number;
  readonly body: { readonly error: { readonly code: string; readonly message: string } };
  readonly headers: Readonly<Record<string, string>>;
  /** True for unexpected errors (logged with their detail; the client sees a generic message). */
  readonly internal: boolean;
}

function seconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1000)));
}

/** Maps the errors of the chat use cases to HTTP statuses with a clear JSON error. */
export function errorResponse(error: unknown): ErrorResponse {
  const body = (code: string, message: string) => ({ error: { code, message } });
  if (HttpError.isInstance(error)) {
    return {
      status: error.status,
      body: body(error.code, error.message),
      headers: error.retryAfterSeconds === undefined ? {} : { 'retry-after': String(error.retryAfterSeconds) },
      internal: false,
    };
  }
  if (RateLimitExceededError.isInstance(error)) {
    return {
      status: 429,
      body: body(error.code, error.message),
      headers: { 'retry-after': seconds(error.retryAfterMs) },
      internal: false,
    };
  }
  if (TokenBudgetExceededError.isInstance(error))
    return { status: 429, body: body(error.code, error.message), headers: {}, internal: false };
  if (ConversationNotFoundError.isInstance(error) || NodeNotFoundError.isInstance(error))
    return { status: 404, body: body(error.code, error.message), headers: {}, internal: false };
  if (ConversationInputError.isInstance(error) || ConversationStateError.isInstance(error))
    return { status: 400, body: body(error.code, error.message), headers: {}, internal: false };
  if (ConversationConflictError.isInstance(error))
    return { status: 409, body: body(error.code, error.message), headers: {}, internal: false };
  if (ProviderError.isInstance(error))
    return {
      status: 502,
      body: body(error.code, `The model provider failed: ${error.message}`),
      headers: {},
      internal: false,
    };
  if (DkError.isInstance(error))
    return { status: 500, body: body(error.code, error.message), headers: {}, internal: true };
  return { status: 500, body: body('INTERNAL', 'Internal error; see the server log.'), headers: {}, internal: true };
}
