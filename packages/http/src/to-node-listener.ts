import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { RequestContext } from './handler-options.js';

/** A Fetch-API handler, as {@link createConversationHandler} returns. */
export type FetchHandler = (request: Request, context?: RequestContext) => Promise<Response>;

/** Converts a Node request into a Fetch `Request` whose signal aborts when the client goes away. */
export function toFetchRequest(request: IncomingMessage, response: ServerResponse): Request {
  const controller = new AbortController();
  response.on('close', () => {
    if (!response.writableFinished) controller.abort(new Error('The client disconnected.'));
  });
  const host = request.headers.host ?? 'localhost';
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, value);
  }
  const method = request.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  return new Request(`http://${host}${request.url ?? '/'}`, {
    method,
    headers,
    signal: controller.signal,
    ...(hasBody ? { body: Readable.toWeb(request) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
  } as RequestInit);
}

/** Writes a Fetch `Response` to a Node response, streaming its body with backpressure. */
export async function sendFetchResponse(fetchResponse: Response, response: ServerResponse): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  fetchResponse.headers.forEach((value, name) => {
    headers[name] = value;
  });
  response.writeHead(fetchResponse.status, headers);
  if (fetchResponse.body === null) {
    response.end();
    return;
  }
  // SSE must reach the client chunk by chunk.
  response.flushHeaders();
  const reader = fetchResponse.body.getReader();
  const closed = new Promise<void>((resolve) => response.once('close', resolve));
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), closed.then(() => undefined)]);
      if (next === undefined) {
        await reader.cancel();
        return;
      }
      if (next.done) break;
      if (!response.write(next.value))
        await Promise.race([new Promise((resolve) => response.once('drain', resolve)), closed]);
    }
    response.end();
  } catch {
    await reader.cancel().catch(() => undefined);
    response.destroy();
  }
}

/**
 * Mounts a Fetch-API handler in Node's `http` server: `createServer(toNodeListener(handler))`.
 * The client's address is passed as `clientAddress`; a client that disconnects aborts the
 * request's signal (a streamed answer stops and keeps its text as `interrupted`).
 */
export function toNodeListener(
  handler: FetchHandler,
): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const fetchRequest = toFetchRequest(request, response);
    const clientAddress = request.socket.remoteAddress;
    const fetchResponse = await handler(fetchRequest, clientAddress === undefined ? {} : { clientAddress });
    await sendFetchResponse(fetchResponse, response);
  };
}
