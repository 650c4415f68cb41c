import type { AddMessageOptions, CompleteOptions } from '@dk/conversations';
import type { ConversationStore, RateLimiter } from '@dk/spec';
import type { ManagerSource, NewConversationOptions } from './conversation-pool.js';
import type { RequestRateLimiter } from './rate-limiter.js';

/** What the handler knows about a request besides the `Request` itself (given by the server adapter). */
export interface RequestContext {
  /** The client's network address (the Node adapter passes the socket's). Used for rate limits without auth. */
  readonly clientAddress?: string;
}

/** Who is calling, as your `authenticate` hook says. */
export interface Caller {
  /** Stable user id: stored as the conversation's `metadata.userId`; a user sees only their conversations. */
  readonly userId: string;
}

/** A request limit per caller: at most `maxRequests` in any `windowMs`. */
export interface RequestRateLimitOptions {
  /** Requests allowed per caller within `windowMs`. A positive integer. */
  readonly maxRequests: number;
  /** Sliding-window length in milliseconds. */
  readonly windowMs: number;
  /**
   * Where requests are counted: a spec `RateLimiter`, e.g. `@dk/redis`' `RedisRateLimiter`
   * shared by every app server so that the limit holds across servers. Default: this
   * process's memory. A limiter down under `failClosed` makes requests fail with 503.
   */
  readonly limiter?: RateLimiter;
}

/** Cross-origin access for browsers on other origins. */
export interface CorsOptions {
  /** Allowed origins (`https://app.example.com`), or `'*'` for any. */
  readonly origins: readonly string[] | '*';
  /** Allow cookies / `Authorization` from those origins. Default `false` (never with `'*'`). */
  readonly credentials?: boolean;
  /** How long browsers cache a preflight, in seconds. Default 600. */
  readonly maxAgeSeconds?: number;
}

/** Options of {@link createConversationHandler}. */
export interface ConversationHandlerOptions {
  /**
   * The conversation managers: the settings every conversation shares (`llm`, `storage`,
   * `promptBuilder`, `middleware`, `tools`, …), or `{ create, resume }` factories.
   */
  readonly managers: ManagerSource;
  /** The store the tree API reads (the same one the managers write). */
  readonly storage: ConversationStore;
  /** Path prefix of every route. Default `/api`. */
  readonly basePath?: string;
  /**
   * What a new conversation starts with (system prompt, metadata); `metadata.userId` is set
   * from the caller. Default: no system prompt.
   */
  readonly newConversation?: (caller: Caller) => NewConversationOptions;
  /**
   * How typed text becomes a user message, e.g. rendered through a prompt with RAG:
   * `(text) => ({ role: 'user', promptName: 'chat', params: { question: text } })`. Default
   * `{ role: 'user', content: text }`. What the user typed is kept in `metadata.userText`.
   */
  readonly userMessage?: (text: string, caller: Caller) => AddMessageOptions;
  /** Per-turn options of `stream()` (tools, maxSteps, overrides, middleware…). */
  readonly turnOptions?: (caller: Caller) => Omit<CompleteOptions, 'signal'>;
  /**
   * Who is calling. Return `undefined` to refuse (401). Without it every caller is
   * anonymous (user id `anonymous`, rate-limited by address) and sees every conversation.
   */
  readonly authenticate?: (request: Request) => Caller | undefined | Promise<Caller | undefined>;
  /**
   * Requests per caller: `{ maxRequests, windowMs }` (in memory), `{ maxRequests, windowMs,
   * limiter }` (counted by a shared `RateLimiter`), or your own `RequestRateLimiter`. Default: none.
   */
  readonly rateLimit?: RequestRateLimitOptions | RequestRateLimiter;
  /** Longest user message in characters (413 above). Default 8000. */
  readonly maxMessageChars?: number;
  /** Largest request body in bytes (413 above). Default 1 MiB (`useChat` sends the whole path). */
  readonly maxBodyBytes?: number;
  /** Cross-origin access. Default: same origin only (no CORS headers). */
  readonly cors?: CorsOptions;
  /** Interval of SSE keep-alive comments in ms (0: none). Default 15 000. */
  readonly keepAliveMs?: number;
  /** Called with every error whose detail is not sent to the client (library and unexpected errors). */
  readonly onError?: (error: unknown, request: Request) => void;
}

/** Option names, for `checkOptions`. */
export const handlerOptionNames = [
  'managers',
  'storage',
  'basePath',
  'newConversation',
  'userMessage',
  'turnOptions',
  'authenticate',
  'rateLimit',
  'maxMessageChars',
  'maxBodyBytes',
  'cors',
  'keepAliveMs',
  'onError',
];
