/** Reads a Node/undici error `code` from an error or its direct cause. */
function networkErrorCode(error: Error): unknown {
  return (error as { code?: unknown }).code ?? (error.cause as { code?: unknown } | undefined)?.code;
}

/**
 * True when `error` is a transport failure of `fetch` (connection refused or reset, socket
 * closed mid-body, undici errors) rather than an HTTP answer. Such failures are retryable.
 */
export function isNetworkError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  if (error.name === 'TypeError' && /terminated|fetch failed|network|other side closed/i.test(error.message))
    return true;
  const code = networkErrorCode(error);
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|EPIPE|ETIMEDOUT|UND_ERR_\w+)$/.test(code);
}

/**
 * A one-line description of a connection failure for error messages: the underlying cause's
 * message with its error code (`connect ECONNREFUSED 127.0.0.1:1 [ECONNREFUSED]`).
 */
export function describeNetworkError(error: Error): string {
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = networkErrorCode(cause);
    return typeof code === 'string' ? `${cause.message} [${code}]` : cause.message;
  }
  return error.message;
}
