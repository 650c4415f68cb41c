export { createEchoProvider } from './create-echo-provider.js';
export type { EchoCall } from './echo-call.js';
export { EchoProvider } from './echo-provider.js';
export type { EchoProviderSettings } from './echo-provider-settings.js';
export type {
  EchoErrorKind,
  EchoPatternResponse,
  EchoResponse,
  EchoResponseFunction,
  EchoScriptedError,
  EchoScriptedResponse,
  EchoToolCall,
} from './echo-response.js';
export { EchoScriptExhaustedError } from './echo-script-exhausted-error.js';
export {
  errorResponse,
  extractionResponse,
  multiToolResponse,
  textResponse,
  toolCallResponse,
} from './response-builders.js';
export type { TextResponseOptions, ToolCallResponseOptions } from './response-builders.js';
export { ResponseSequenceBuilder } from './response-sequence-builder.js';
export { EchoEmbeddingModel } from './echo-embedding-model.js';
export type { EchoEmbeddingModelSettings } from './echo-embedding-model.js';
