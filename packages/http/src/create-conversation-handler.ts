import type { AddMessageOptions, ConversationStreamPart } from '@dk/conversations';
import { checkOptions } from '@dk/spec';
import { parseChatRequest } from './chat-request.js';
import type { ChatRequest } from './chat-request.js';
import { prepareTurn, turnParts } from './chat-turn.js';
import type { PreparedTurn } from './chat-turn.js';
import { ConversationPool } from './conversation-pool.js';
import { corsHeaders, preflightResponse } from './cors.js';
import { mapError } from './error-response.js';
import { handlerOptionNames } from './handler-options.js';
import type { Caller, ConversationHandlerOptions, RequestContext } from './handler-options.js';
import { HttpError } from './http-error.js';
import { HttpOptionsError } from './http-options-error.js';
import { SharedRequestRateLimiter, SlidingWindowRateLimiter } from './rate-limiter.js';
import type { RequestRateLimiter } from './rate-limiter.js';
import { readJsonBody } from './read-json-body.js';
import { sseResponse } from './sse-response.js';
import { requireNodeId, TreeRoutes } from './tree-routes.js';
import { toUIMessageChunks } from './ui-message-chunks.js';
import type { DkUIMessageChunk } from './ui-message.js';

/** A Fetch-API handler serving the dk conversation API; also closable. */
export interface ConversationHandler {
  (request: Request, context?: RequestContext): Promise<Response>;
  /** Operations (turns, switches) running now. */
  readonly inFlight: number;
  /**
   * Graceful stop: new requests get 503; turns in flight may finish for `timeoutMs`
   * (default 10 000), then are cut off — a streamed answer keeps its text as `interrupted`.
   * Resolves when every turn has stored what it has. Close the store after this.
   */
  close(options?: { readonly timeoutMs?: number }): Promise<{ readonly cutOff: boolean }>;
}

const conversationRoute = /^\/conversations\/([A-Za-z0-9_-]{1,128})(?:\/(messages|branches|switch))?$/;

function json(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      ...headers,
    },
  });
}

function invalidOption(name: string, problem: string): HttpOptionsError {
  return new HttpOptionsError({ option: name, problem });
}

/** Value checks of the options (names are checked by `checkOptions`). */
function checkHandlerOptions(options: ConversationHandlerOptions): void {
  if (typeof options.storage?.load !== 'function')
    throw invalidOption(
      'storage',
      'must be a ConversationStore (the one the managers write), e.g. `new MemoryConversationStore()`',
    );
  const managers = options.managers as unknown;
  if (typeof managers !== 'object' || managers === null)
    throw invalidOption(
      'managers',
      'must be the manager settings (`{ llm, storage, … }`) or `{ create, resume }` factories',
    );
  for (const name of ['maxMessageChars', 'maxBodyBytes'] as const) {
    const value = options[name];
    if (value !== undefined && !(Number.isInteger(value) && value > 0))
      throw invalidOption(name, 'must be a whole number above 0');
  }
  if (options.keepAliveMs !== undefined && !(options.keepAliveMs >= 0))
    throw invalidOption('keepAliveMs', 'must be a number of milliseconds ≥ 0 (0 turns keep-alive comments off)');
  if (options.basePath !== undefined && !options.basePath.startsWith('/'))
    throw invalidOption('basePath', 'must start with "/", e.g. "/api"');
  const cors = options.cors;
  if (cors !== undefined && cors.origins !== '*' && !Array.isArray(cors.origins))
    throw invalidOption('cors.origins', 'must be a list of origins such as ["https://app.example.com"], or "*"');
}

/** Peeks the first part of a turn so a refusal (rate limit, budget, bad state) is an HTTP error, not a stream. */
async function started(
  parts: AsyncGenerator<ConversationStreamPart, void, undefined>,
): Promise<AsyncGenerator<ConversationStreamPart, void, undefined>> {
  const first = await parts.next();
  return (async function* () {
    if (first.done === true) return;
    yield first.value;
    yield* parts;
  })();
}

/**
 * The dk conversation API as one `(request: Request) => Promise<Response>` function, to
 * mount in any server that speaks the Fetch API (Node through {@link toNodeListener}, Hono,
 * Next route handlers, Bun, Deno):
 *
 * - `POST {basePath}/chat` — the AI SDK UI message stream protocol, as `useChat`'s
 *   `DefaultChatTransport` speaks it: the chat id is the conversation id (created on first
 *   use); `submit-message` adds a turn (an edited message becomes a sibling branch);
 *   `regenerate-message` answers again as a sibling; tool calls, approvals and results are
 *   tool parts; dk node ids and figures are message metadata.
 * - `GET|POST {basePath}/conversations`, `GET|DELETE …/conversations/:id` (the tree, with
 *   model, usage, cost, latency and RAG runs per node), `GET …/:id/messages` (the active
 *   path as UI messages), `POST …/:id/switch` `{ nodeId }`, `GET …/:id/branches?node=`.
 *
 * Errors are JSON `{ error: { code, message } }` with a message for end users.
 */
export function createConversationHandler(options: ConversationHandlerOptions): ConversationHandler {
  checkOptions('createConversationHandler', options, handlerOptionNames);
  checkHandlerOptions(options);
  const basePath = (options.basePath ?? '/api').replace(/\/$/, '');
  const maxMessageChars = options.maxMessageChars ?? 8000;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024;
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const pool = new ConversationPool({ managers: options.managers, storage: options.storage });
  const tree = new TreeRoutes({ storage: options.storage, pool, scoped: options.authenticate !== undefined });
  const limiter: RequestRateLimiter | undefined =
    options.rateLimit === undefined
      ? undefined
      : 'take' in options.rateLimit
        ? options.rateLimit
        : options.rateLimit.limiter === undefined
          ? new SlidingWindowRateLimiter(options.rateLimit)
          : new SharedRequestRateLimiter({ ...options.rateLimit, limiter: options.rateLimit.limiter });
  const userMessage = (text: string, caller: Caller): AddMessageOptions =>
    options.userMessage?.(text, caller) ?? { role: 'user', content: text };

  const chat = async (request: Request, caller: Caller, headers: Record<string, string>): Promise<Response> => {
    const parsed: ChatRequest = parseChatRequest(await readJsonBody(request, maxBodyBytes), maxMessageChars);
    const { conversationId, intent } = parsed;
    if (!(await tree.exists(conversationId, caller))) {
      if (intent.kind !== 'submit')
        throw new HttpError({
          status: 404,
          code: 'CONVERSATION_NOT_FOUND',
          message: 'This conversation does not exist.',
        });
      const extra = options.newConversation?.(caller) ?? {};
      await pool.create({ ...extra, conversationId, metadata: { ...extra.metadata, userId: caller.userId } });
    }
    // The turn holds the conversation until its stream ends: `release` is called when the
    // response body is done (finished, failed or cancelled by the client).
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const ready = new Promise<{
      prepared: PreparedTurn;
      parts: AsyncGenerator<ConversationStreamPart, void, undefined>;
    }>((resolve, reject) => {
      pool
        .run(conversationId, async (manager) => {
          const prepared = await prepareTurn({
            manager,
            intent,
            userMessage: (text) => userMessage(text, caller),
            signal: request.signal,
          });
          const turn = options.turnOptions?.(caller) ?? {};
          resolve({
            prepared,
            parts: await started(turnParts(manager, prepared, { ...turn, signal: request.signal })),
          });
          await released;
        })
        .catch((error: unknown) => {
          reject(error);
          release();
        });
    });
    let prepared: PreparedTurn;
    let parts: AsyncGenerator<ConversationStreamPart, void, undefined>;
    try {
      ({ prepared, parts } = await ready);
    } catch (error) {
      release();
      throw error;
    }
    const chunks: AsyncGenerator<DkUIMessageChunk> = prepared.stream
      ? toUIMessageChunks(parts, {
          conversationId,
          startMetadata: prepared.startMetadata,
          prelude: prepared.prelude,
          describeError: (error) => {
            const mapped = mapError(error);
            if (mapped.logged) options.onError?.(error, request);
            return { errorText: mapped.body.error.message };
          },
        })
      : (async function* () {
          yield { type: 'start', messageMetadata: prepared.startMetadata } as const;
          yield* prepared.prelude;
          yield { type: 'finish', finishReason: 'tool-calls' } as const;
        })();
    return sseResponse(chunks, { keepAliveMs, headers, onClose: release });
  };

  const route = async (request: Request, caller: Caller, headers: Record<string, string>): Promise<Response> => {
    const url = new URL(request.url);
    const method = request.method;
    const path = url.pathname.slice(basePath.length);
    if (path === '/chat') {
      if (method === 'POST') return chat(request, caller, headers);
    } else if (/^\/chat\/[^/]+\/stream$/.test(path) && method === 'GET') {
      // Resumable streams are not kept: nothing to reconnect to.
      return new Response(null, { status: 204, headers });
    } else if (path === '/conversations') {
      if (method === 'GET') {
        const limit = Math.min(100, Math.max(1, Number(url.searchParams.get('limit') ?? '50') || 50));
        return json(200, await tree.list(caller, limit), headers);
      }
      if (method === 'POST') {
        const body = await readJsonBody(request, maxBodyBytes);
        const title = body['title'];
        if (title !== undefined && (typeof title !== 'string' || title.length > 200))
          throw new HttpError({
            status: 400,
            code: 'INVALID_FIELD',
            message: '`title` must be a string of at most 200 characters.',
          });
        const extra = options.newConversation?.(caller) ?? {};
        const manager = await pool.create({
          ...extra,
          metadata: { ...extra.metadata, userId: caller.userId, ...(title === undefined ? {} : { title }) },
        });
        const state = manager.state;
        return json(
          201,
          {
            id: state.conversationId,
            title: typeof title === 'string' ? title : 'New conversation',
            nodeCount: state.nodeCount,
            currentNodeId: state.currentNodeId,
          },
          headers,
        );
      }
    } else {
      const match = conversationRoute.exec(path);
      if (match !== null) {
        const id = match[1] as string;
        switch (`${method} ${match[2] ?? ''}`) {
          case 'GET ':
            return json(200, await tree.tree(id, caller), headers);
          case 'DELETE ':
            await tree.delete(id, caller);
            return json(204, null, headers);
          case 'GET messages':
            return json(200, await tree.messages(id, caller), headers);
          case 'GET branches': {
            const node = url.searchParams.get('node');
            return json(
              200,
              await tree.branches(id, caller, node === null ? undefined : requireNodeId(node, 'node')),
              headers,
            );
          }
          case 'POST switch': {
            const body = await readJsonBody(request, maxBodyBytes);
            const nodeId = requireNodeId(body['nodeId'], 'nodeId');
            return json(200, await tree.switchTo(id, caller, nodeId, body['descend'] !== false), headers);
          }
        }
      } else {
        throw new HttpError({ status: 404, code: 'NOT_FOUND', message: `No route for ${method} ${url.pathname}.` });
      }
    }
    throw new HttpError({
      status: 405,
      code: 'METHOD_NOT_ALLOWED',
      message: `${method} is not supported on ${url.pathname}.`,
    });
  };

  const handler = async (request: Request, context: RequestContext = {}): Promise<Response> => {
    const headers = corsHeaders(options.cors, request);
    try {
      if (request.method === 'OPTIONS') return preflightResponse(options.cors, request);
      const url = new URL(request.url);
      if (url.pathname !== basePath && !url.pathname.startsWith(`${basePath}/`))
        throw new HttpError({
          status: 404,
          code: 'NOT_FOUND',
          message: `No route for ${request.method} ${url.pathname}.`,
        });
      if (pool.closing)
        throw new HttpError({
          status: 503,
          code: 'SHUTTING_DOWN',
          message: 'The server is shutting down. Try again in a moment.',
          retryAfterSeconds: 5,
        });
      let caller: Caller = { userId: context.clientAddress ?? 'anonymous' };
      if (options.authenticate !== undefined) {
        const authenticated = await options.authenticate(request);
        if (authenticated === undefined)
          throw new HttpError({ status: 401, code: 'UNAUTHENTICATED', message: 'Sign in to use the chat.' });
        caller = authenticated;
      }
      if (limiter !== undefined) {
        const verdict = await limiter.take(caller.userId);
        if (!verdict.allowed) {
          const wait = Math.max(1, Math.ceil(verdict.retryAfterMs / 1000));
          throw new HttpError({
            status: 429,
            code: 'RATE_LIMITED',
            message: `Too many requests. Try again in ${wait} s.`,
            retryAfterSeconds: wait,
          });
        }
      }
      return await route(request, caller, headers);
    } catch (error) {
      const mapped = mapError(error);
      if (mapped.logged) options.onError?.(error, request);
      return json(mapped.status, mapped.body, { ...headers, ...mapped.headers });
    }
  };
  return Object.defineProperties(handler, {
    inFlight: { get: () => pool.inFlight },
    close: { value: (closeOptions: { readonly timeoutMs?: number } = {}) => pool.close(closeOptions) },
  }) as ConversationHandler;
}
