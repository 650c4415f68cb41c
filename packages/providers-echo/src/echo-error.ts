import { ProviderError } from '@dk/spec';
import { createInvalidResponseError, createProviderError } from '@dk/provider-utils';
import type { EchoErrorKind, EchoScriptedError } from './echo-response.js';

const provider = 'echo';

const statusByKind: Record<Exclude<EchoErrorKind, 'network' | 'invalid-response'>, number> = {
  'rate-limit': 429,
  server: 500,
  overloaded: 529,
  auth: 401,
  'invalid-request': 400,
  'context-length': 400,
};

/**
 * The typed error a scripted failure stands for: the error a real vendor's failure of that
 * kind becomes (see {@link EchoErrorKind}); a `ProviderError` instance is returned as is.
 * `inStream` describes the failure as an error event inside a stream, as a vendor sends it
 * after output began.
 */
export function toEchoProviderError(error: EchoScriptedError, inStream = false): ProviderError {
  if (ProviderError.isInstance(error)) return error;
  const { kind, message, retryAfterMs } = error as Exclude<EchoScriptedError, ProviderError>;
  const vendorMessage = message ?? `scripted ${kind} failure`;
  if (kind === 'network') return createProviderError({ provider, vendorMessage });
  if (kind === 'invalid-response') return createInvalidResponseError({ provider, problem: vendorMessage });
  const status = statusByKind[kind];
  return createProviderError({
    provider,
    ...(inStream ? { inStream, impliedStatus: status } : { status }),
    vendorCode: kind === 'context-length' ? 'context_length_exceeded' : undefined,
    vendorMessage,
    retryAfterMs,
  });
}
