import { checkHealth } from '@dk/conversations';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatService } from '../chat/chat-service.js';
import type { TurnOptions, TurnResult } from '../chat/chat-types.js';
import type { DemoApp } from '../compose/demo-app.js';
import { ClientRateLimiter } from './client-rate-limiter.js';
import { errorResponse } from './error-response.js';
import { HttpError } from './http-error.js';
import { readJsonBody } from './read-json-body.js';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  readonly app: DemoApp;
  readonly chat: ChatService;
  /** Port override (0: a free port); default `server.port` of the config. */
  readonly port?: number;
}

/** A running demo server. */
export interface RunningServer {
  /** Base URL, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  /**
   * Graceful shutdown: stops accepting connections, answers new requests with 503, waits for
   * the turns in flight (up to `server.shutdownTimeoutMs`), then closes the store and provider.
   */
  close(reason?: string): Promise<void>;
}

const publicFiles: Readonly<Record<string, { readonly file: string; readonly type: string }>> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
};

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  });
  response.end(text);
}

function stringField(body: Record<string, unknown>, field: string, maxChars: number): string {
  const value = body[field];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HttpError({
      status: 400,
      code: 'INVALID_FIELD',
      message: `\`${field}\` must be a non-empty string, e.g. {"${field}": "hello"}.`,
    });
  }
  if (value.length > maxChars) {
    throw new HttpError({
      status: 413,
      code: 'MESSAGE_TOO_LARGE',
      message: `\`${field}\` is ${value.length} characters; the limit is ${maxChars} (server.maxMessageChars).`,
    });
  }
  return value;
}

function idField(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || !/^(|\d+(\.\d+)*)$/.test(value)) {
    throw new HttpError({
      status: 400,
      code: 'INVALID_FIELD',
      message: `\`${field}\` must be a node id such as "0.1".`,
    });
  }
  return value;
}

/** Starts the web chat: JSON API, Server-Sent Events for streamed turns, the single-page UI and `/health`. */
export async function startServer({
  app,
  chat,
  port = app.config.server.port,
}: StartServerOptions): Promise<RunningServer> {
  const { config, logger } = app;
  const limits = config.server;
  const limiter = new ClientRateLimiter(limits.rateLimit);
  const publicDir = new URL('./public/', import.meta.url);
  let shuttingDown = false;

  /** Runs a turn, as SSE (`delta`, `done`, `error` events) when the client asks for `text/event-stream`, else as JSON. */
  const turn = async (
    request: IncomingMessage,
    response: ServerResponse,
    run: (options: TurnOptions) => Promise<TurnResult | { readonly nodeId: string }>,
  ): Promise<void> => {
    const controller = new AbortController();
    // Only a client that goes away mid-answer cancels the model call; shutdown lets turns finish.
    response.on('close', () => {
      if (!response.writableFinished) controller.abort(new Error('client disconnected'));
    });
    if (!(request.headers.accept ?? '').includes('text/event-stream')) {
      const result = await run({ signal: controller.signal });
      sendJson(response, 200, result);
      return;
    }
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    const event = (name: string, data: unknown): void => {
      response.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    try {
      const result = await run({ signal: controller.signal, onDelta: (text) => event('delta', { text }) });
      event('done', result);
    } catch (error) {
      const mapped = errorResponse(error);
      if (mapped.internal) logger.error('turn failed', { error });
      event('error', { status: mapped.status, ...mapped.body.error });
    }
    response.end();
  };

  const route = async (request: IncomingMessage, response: ServerResponse, client: string): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const method = request.method ?? 'GET';
    const path = url.pathname;

    const asset = publicFiles[path];
    if (method === 'GET' && asset !== undefined) {
      response.writeHead(200, {
        'content-type': asset.type,
        'cache-control': 'no-cache',
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'self'",
      });
      response.end(await readFile(new URL(asset.file, publicDir)));
      return;
    }
    if (method === 'GET' && path === '/health') {
      const report = await checkHealth({ storage: app.storage, llm: app.llm, timeoutMs: 3000 });
      sendJson(response, report.status === 'down' ? 503 : 200, report);
      return;
    }
    if (method === 'GET' && path === '/api/usage') {
      sendJson(response, 200, { usage: app.usage(), performance: app.performance(), inFlight: chat.inFlight });
      return;
    }
    if (path === '/api/conversations') {
      if (method === 'GET') return sendJson(response, 200, { conversations: await chat.list() });
      if (method === 'POST') {
        const body = await readJsonBody(request, limits.maxBodyBytes);
        const title = body['title'] === undefined ? undefined : stringField(body, 'title', 200);
        return sendJson(
          response,
          201,
          await chat.create({ userId: client, ...(title === undefined ? {} : { title }) }),
        );
      }
    }
    const match =
      /^\/api\/conversations\/([A-Za-z0-9_-]{1,128})(?:\/(messages|branches|switch|edit|regenerate))?$/.exec(path);
    if (match !== null) {
      const id = match[1] as string;
      const action = match[2];
      if (action === undefined && method === 'GET') return sendJson(response, 200, await chat.tree(id));
      if (action === 'branches' && method === 'GET') {
        const node = url.searchParams.get('node');
        return sendJson(response, 200, { branches: await chat.branches(id, node ?? undefined) });
      }
      if (method === 'POST' && action !== undefined && action !== 'branches') {
        const body = await readJsonBody(request, limits.maxBodyBytes);
        await chat.require(id);
        switch (action) {
          case 'messages': {
            const content = stringField(body, 'content', limits.maxMessageChars);
            return turn(request, response, (options) => chat.send(id, content, options));
          }
          case 'switch':
            await chat.switchTo(id, idField(body, 'nodeId'));
            return sendJson(response, 200, await chat.tree(id));
          case 'edit': {
            const nodeId = idField(body, 'nodeId');
            const content = stringField(body, 'content', limits.maxMessageChars);
            return turn(request, response, (options) => chat.edit(id, nodeId, content, options));
          }
          case 'regenerate':
            return turn(request, response, (options) => chat.regenerate(id, options));
        }
      }
    }
    const known =
      publicFiles[path] !== undefined ||
      path === '/health' ||
      path === '/api/usage' ||
      path === '/api/conversations' ||
      match !== null;
    if (known)
      throw new HttpError({
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        message: `${method} is not supported on ${path}. See apps/demo/README.md for the API.`,
      });
    throw new HttpError({
      status: 404,
      code: 'NOT_FOUND',
      message: `No route for ${method} ${path}. See apps/demo/README.md for the API.`,
    });
  };

  const server = createServer((request, response) => {
    const started = performance.now();
    const client = request.socket.remoteAddress ?? 'unknown';
    response.on('finish', () => {
      logger.info('request', {
        method: request.method,
        path: request.url,
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
        client,
      });
    });
    void (async () => {
      try {
        if (shuttingDown) {
          response.setHeader('connection', 'close');
          throw new HttpError({
            status: 503,
            code: 'SHUTTING_DOWN',
            message: 'The server is shutting down; retry on another instance.',
          });
        }
        if (request.url !== '/health') {
          const verdict = limiter.take(client);
          if (!verdict.allowed) {
            const retryAfterSeconds = Math.ceil(verdict.retryAfterMs / 1000);
            throw new HttpError({
              status: 429,
              code: 'RATE_LIMITED',
              message: `Too many requests: the limit is ${limits.rateLimit.maxRequests} per ${limits.rateLimit.windowMs} ms per client. Retry after ${retryAfterSeconds} s.`,
              retryAfterSeconds,
            });
          }
        }
        await route(request, response, client);
      } catch (error) {
        const mapped = errorResponse(error);
        if (mapped.internal) logger.error('request failed', { method: request.method, path: request.url, error });
        if (response.headersSent) response.end();
        else sendJson(response, mapped.status, mapped.body, mapped.headers);
      }
    })();
  });
  server.requestTimeout = 120_000;
  server.headersTimeout = 10_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, limits.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`;
  logger.info('server listening', { url, environment: config.environment });

  let closing: Promise<void> | undefined;
  return {
    url,
    close(reason = 'close') {
      closing ??= (async () => {
        shuttingDown = true;
        logger.info('shutting down', { reason, inFlight: chat.inFlight });
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const { cutOff } = await chat.close(limits.shutdownTimeoutMs);
        if (cutOff) logger.warn('shutdown timeout: turns still running were cut off and kept what they had');
        // Let finished turns flush their last event, then drop idle keep-alive connections.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
        server.closeAllConnections();
        await closed;
        await app.close();
        logger.info('shut down', { reason, usage: app.usage() });
      })();
      return closing;
    },
  };
}
