export { createConversationHandler } from './create-conversation-handler.js';
export type { ConversationHandler } from './create-conversation-handler.js';
export type {
  Caller,
  ConversationHandlerOptions,
  CorsOptions,
  RequestContext,
  RequestRateLimitOptions,
} from './handler-options.js';
export { ConversationPool } from './conversation-pool.js';
export type { ConversationPoolOptions, ManagerSource, NewConversationOptions } from './conversation-pool.js';
export { toNodeListener, toFetchRequest, sendFetchResponse } from './to-node-listener.js';
export type { FetchHandler } from './to-node-listener.js';
export { SharedRequestRateLimiter, SlidingWindowRateLimiter } from './rate-limiter.js';
export type { RateVerdict, RequestRateLimiter } from './rate-limiter.js';
export { HttpError } from './http-error.js';
export { HttpOptionsError } from './http-options-error.js';
export { mapError } from './error-response.js';
export type { ErrorBody, MappedError } from './error-response.js';
export { pathMessages } from './path-messages.js';
export { displayText, nodeView, treeView, userTextKey } from './node-view.js';
export type { ConversationSummary, NodeView, RagRunView, TreeView, UsageView } from './node-view.js';
export type { PathMessagesView } from './tree-routes.js';
export type {
  DkMessageMetadata,
  DkUIMessage,
  DkUIMessageChunk,
  StepStartUIPart,
  TextUIPart,
  ToolUIPart,
} from './ui-message.js';
export { uiMessageStreamHeaders } from './ui-message.js';
