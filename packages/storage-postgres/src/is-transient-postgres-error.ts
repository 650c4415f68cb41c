// SQLSTATE classes and codes that mean "try again": the connection failed or was taken away
// (class 08, admin/crash shutdown, server starting), too many connections, or a
// serialisation failure or deadlock that aborted the transaction.
const transientStates: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
// Of those, the ones that end the connection (administrator or crash shutdown, server starting).
const lostConnectionStates: ReadonlySet<string> = new Set(['57P01', '57P02', '57P03']);
// Socket errors of the client itself.
const transientSocketCodes: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// Errors `pg` raises without a code when the socket closes or a connection cannot be had in time.
const transientMessage =
  /Connection terminated|connection error and is not queryable|timeout exceeded when trying to connect/i;

/**
 * True for a `pg` error whose SQLSTATE is in `states` or of class 08, a client socket error, or
 * one of `pg`'s own uncoded connection errors.
 */
function matchesPostgresError(error: unknown, states: ReadonlySet<string>): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (code.startsWith('08') || states.has(code) || transientSocketCodes.has(code)) return true;
  }
  return error instanceof Error && transientMessage.test(error.message);
}

/**
 * True for a `pg` error that is transient: the database dropped or refused the connection
 * (terminated backend, failover, restart, network), or aborted the transaction for a
 * conflict it resolves by itself. The same operation may succeed when run again.
 */
export function isTransientPostgresError(error: unknown): boolean {
  return matchesPostgresError(error, transientStates);
}

/**
 * True for a `pg` error after which the connection is gone (class 08, the backend terminated
 * or the server shutting down, a socket error, `pg`'s own "terminated" errors): a client that
 * raised one must not go back to the pool, where the next caller would fail on it again.
 */
export function isLostConnectionError(error: unknown): boolean {
  return matchesPostgresError(error, lostConnectionStates);
}
