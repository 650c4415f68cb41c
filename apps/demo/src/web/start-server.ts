import { SpanKind, trace } from '@opentelemetry/api';
import { checkHealth } from '@dk/conversations';
import { createConversationHandler, HttpError, mapError, sendFetchResponse, toFetchRequest } from '@dk/http';
import { createServer } from 'node:http';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { DemoApp } from '../compose/demo-app.js';
import { staticFile } from './static-files.js';
import { StudioRoutes } from './studio-routes.js';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  readonly app: DemoApp;
  /** The demo app directory (the built web app is in `dist/web` under it). */
  readonly appDir: string;
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

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
// The built app loads only its own scripts and styles; markdown is sanitised before it is shown.
const pageSecurity =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    ...securityHeaders,
    ...headers,
  });
  response.end(JSON.stringify(body));
}

/**
 * Starts the web chat: `@dk/http`'s conversation API (REST tree + the AI SDK UI message
 * stream) under `/api`, the prompt studio's API under `/api/studio`, `/health`, `/api/usage`
 * and the built single-page app (`/`, `/c/<id>`, `/studio`).
 */
export async function startServer({
  app,
  appDir,
  port = app.config.server.port,
}: StartServerOptions): Promise<RunningServer> {
  const { config, logger } = app;
  const limits = config.server;
  const webRoot = join(appDir, 'dist', 'web');
  const studio = new StudioRoutes(app);
  const tracer = trace.getTracer('dk-demo');
  const handler = createConversationHandler({
    storage: app.storage,
    managers: app.managerSettings,
    newConversation: () => ({ systemPromptName: config.prompts.systemPrompt }),
    // Every message is rendered through the chat prompt, which runs the RAG search.
    userMessage: (text) => ({ role: 'user', promptName: config.prompts.userPrompt, params: { question: text } }),
    rateLimit: { ...limits.rateLimit, limiter: app.sharedState.requestLimiter },
    maxMessageChars: limits.maxMessageChars,
    maxBodyBytes: limits.maxBodyBytes,
    onError: (error, request) =>
      logger.error('request failed', { method: request.method, path: new URL(request.url).pathname, error }),
  });
  let shuttingDown = false;

  const server = createServer((request, response) => {
    const started = performance.now();
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    response.on('finish', () => {
      logger.info('request', {
        method: request.method,
        path,
        status: response.statusCode,
        ms: Math.round(performance.now() - started),
      });
    });
    void (async () => {
      try {
        if (shuttingDown) {
          response.setHeader('connection', 'close');
          throw new HttpError({
            status: 503,
            code: 'SHUTTING_DOWN',
            message: 'The server is shutting down. Try again in a moment.',
          });
        }
        if (path === '/health') {
          const report = await checkHealth({ storage: app.storage, llm: app.llm, timeoutMs: 3000 });
          return sendJson(response, report.status === 'down' ? 503 : 200, report);
        }
        if (path === '/api/usage')
          return sendJson(response, 200, {
            usage: await app.usage(),
            performance: app.performance(),
            inFlight: handler.inFlight,
          });
        if (path.startsWith('/api/studio/')) {
          const fetchRequest = toFetchRequest(request, response);
          return await sendFetchResponse(await studio.handle(fetchRequest, path.slice('/api/studio'.length)), response);
        }
        if (path.startsWith('/api/')) {
          const fetchRequest = toFetchRequest(request, response);
          const address = request.socket.remoteAddress;
          // One trace per request: the message it adds and the turn it runs are children of this span.
          return await tracer.startActiveSpan(
            `${request.method ?? 'GET'} /api`,
            { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method ?? 'GET', 'url.path': path } },
            async (span) => {
              try {
                await sendFetchResponse(
                  await handler(fetchRequest, address === undefined ? {} : { clientAddress: address }),
                  response,
                );
                span.setAttribute('http.response.status_code', response.statusCode);
              } finally {
                span.end();
              }
            },
          );
        }
        if (request.method === 'GET' || request.method === 'HEAD') {
          const file = await staticFile(webRoot, path);
          if (file !== undefined) {
            response.writeHead(200, {
              'content-type': file.type,
              'cache-control': file.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
              'content-security-policy': pageSecurity,
              ...securityHeaders,
            });
            response.end(request.method === 'HEAD' ? undefined : file.body);
            return;
          }
        }
        throw new HttpError({ status: 404, code: 'NOT_FOUND', message: `Nothing at ${path}.` });
      } catch (error) {
        const mapped = mapError(error);
        if (mapped.logged) logger.error('request failed', { method: request.method, path, error });
        if (response.headersSent) response.end();
        else sendJson(response, mapped.status, mapped.body, { ...mapped.headers });
      }
    })();
  });
  server.requestTimeout = 0; // streamed answers may run long; headers still have a deadline
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
        logger.info('shutting down', { reason, inFlight: handler.inFlight });
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const { cutOff } = await handler.close({ timeoutMs: limits.shutdownTimeoutMs });
        if (cutOff) logger.warn('shutdown timeout: turns still running were cut off and kept what they had');
        // Let finished turns flush their last chunk, then drop idle keep-alive connections.
        await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
        server.closeAllConnections();
        await closed;
        const usage = await app.usage().catch(() => undefined);
        await app.close();
        logger.info('shut down', { reason, usage });
      })();
      return closing;
    },
  };
}
