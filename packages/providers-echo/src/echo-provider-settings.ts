import type { LLMMessage } from '@dk/spec';
import type { RetrySettings } from '@dk/provider-utils';
import type { EchoPatternResponse, EchoResponse, EchoResponseFunction } from './echo-response.js';

/** Settings of {@link EchoProvider}; every field is optional. */
export interface EchoProviderSettings {
  /** Model name reported in responses. Default `echo-model`. */
  readonly model?: string;
  /** Prefix of the default answer `<echoPrefix><last user message>`. Default `Echo: `. */
  readonly echoPrefix?: string;
  /** A configured system prompt; shown in the default answer when `echoSystem` is on. */
  readonly systemPrompt?: string;
  /** Prefix the default answer with `[System: <systemPrompt>]\n`. Default `false`. */
  readonly echoSystem?: boolean;
  /** Scripted responses served in order, one per attempt. */
  readonly responses?: readonly EchoResponse[];
  /** Serve `responses` round-robin instead of consuming them. Default `false`. */
  readonly cycleResponses?: boolean;
  /** Responses chosen by a regex over the user messages (first match wins). */
  readonly patterns?: readonly EchoPatternResponse[];
  /** Computes responses; consulted first. */
  readonly responseFunction?: EchoResponseFunction;
  /** Fail with `EchoScriptExhaustedError` instead of echoing when nothing is scripted. Default `false`. */
  readonly strict?: boolean;
  /** Fail with `InvalidRequestError` when a scripted response has tool calls but the call offered no tools. Default `true`. */
  readonly strictTools?: boolean;
  /** Report estimated usage (`max(1, floor(chars / 4))` per text); when `false`, no usage (`undefined`: unknown). Default `true`. */
  readonly mockUsage?: boolean;
  /** Delay before each answer in ms, or a function of the messages. Abortable. Default 0. */
  readonly delayMs?: number | ((messages: readonly LLMMessage[]) => number);
  /** Characters per streamed text delta. Default 1 (one character per delta, as the original). */
  readonly streamChunkSize?: number;
  /** Delay before each streamed chunk after the first, in ms. Default 0. */
  readonly streamDelayMs?: number;
  /** Dimensions of `embed` vectors. Default 768. */
  readonly embeddingDimensions?: number;
  /** Retry settings for scripted retryable failures (shape shared by all dk providers). */
  readonly retry?: RetrySettings;
  /** Default deadline of each call in ms (per-call `timeoutMs` wins). Default: none. */
  readonly timeoutMs?: number;
}
