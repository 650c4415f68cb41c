import type { CompletionOptions, LLMMessage, LLMResponse } from '@dk/spec';

/** One recorded call of an `EchoProvider`, for assertions. */
export interface EchoCall {
  /** `complete` or `stream`. */
  readonly method: 'complete' | 'stream';
  /** The messages as the provider received them (a string input as one user message). */
  readonly messages: readonly LLMMessage[];
  /** The call's options without `signal`. */
  readonly options: Omit<CompletionOptions, 'signal'>;
  /** Attempts made (0 when the call was aborted before its first attempt). */
  attempts: number;
  /** The response, once the call succeeded. */
  response?: LLMResponse;
  /** The error the call failed with. */
  error?: unknown;
}
