import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** A request the server received, as recorded for assertions (credentials removed). */
export interface RecordedHttpRequest {
  readonly method: string;
  readonly path: string;
  /** Lower-cased request headers without `authorization` and `x-api-key`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed JSON body (`undefined` when there was none). */
  readonly body: unknown;
  /** Whether the request carried credentials (`authorization`, `x-api-key` or `api-key`); their values are never recorded. */
  readonly hasCredentials: boolean;
  /** True once the client closed the connection before the reply was complete. */
  readonly clientClosedEarly: boolean;
}

/** One scripted answer to one request. */
export type ScriptedReply =
  | {
      readonly kind: 'json';
      readonly status?: number;
      readonly headers?: Readonly<Record<string, string>>;
      readonly body: unknown;
      /** Wait before sending the status line (a slow server). */
      readonly delayMs?: number;
    }
  | {
      readonly kind: 'sse';
      readonly headers?: Readonly<Record<string, string>>;
      /** Complete SSE frames (each ending in a blank line), sent in order. */
      readonly frames: readonly string[];
      readonly delayMs?: number;
      /** Wait between frames. */
      readonly frameDelayMs?: number;
      /** Wait before individual frames: entry i is the wait before frame i. */
      readonly frameDelaysMs?: readonly number[];
      /** Destroy the socket after this many frames (a connection reset mid-stream). */
      readonly resetAfterFrames?: number;
    }
  /** Destroy the socket without answering. */
  | { readonly kind: 'reset'; readonly delayMs?: number }
  /**
   * Write `data` to the socket as is (bypassing HTTP framing), then destroy it: a broken
   * proxy or a corrupt response, e.g. an invalid chunk size that the client's parser rejects.
   */
  | { readonly kind: 'raw'; readonly data: string; readonly delayMs?: number };

/** A reply, or a function computing it from the request (e.g. JSON vs SSE by `stream`). */
export type ScriptedStep = ScriptedReply | ((request: RecordedHttpRequest) => ScriptedReply);

/** A local HTTP server on 127.0.0.1 answering from a script and recording every request. */
export interface ScriptedHttpServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Appends steps; each request consumes one. */
  script(...steps: ScriptedStep[]): void;
  /** The answer when the script is empty (default: a 500 saying the script ran out). */
  setFallback(step: ScriptedStep | undefined): void;
  /** Every request received so far, in order. */
  readonly requests: readonly RecordedHttpRequest[];
  /** Forgets the script and recorded requests. */
  reset(): void;
  /** Stops the server, destroying open connections. */
  close(): Promise<void>;
}

interface MutableRecord {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: unknown;
  hasCredentials: boolean;
  clientClosedEarly: boolean;
}

const hiddenHeaders = new Set(['authorization', 'x-api-key', 'api-key']);

/** Starts a {@link ScriptedHttpServer} on an ephemeral port. */
export async function startScriptedHttpServer(): Promise<ScriptedHttpServer> {
  const queue: ScriptedStep[] = [];
  const requests: MutableRecord[] = [];
  const sockets = new Set<Socket>();
  let fallback: ScriptedStep | undefined;

  const server: Server = createServer((request, response) => {
    void handle(request, response);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!hiddenHeaders.has(name) && value !== undefined)
        headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const record: MutableRecord = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers,
      body: text === '' ? undefined : safeParse(text),
      hasCredentials: [...hiddenHeaders].some((name) => request.headers[name] !== undefined),
      clientClosedEarly: false,
    };
    requests.push(record);
    let finished = false;
    response.on('close', () => {
      if (!finished) record.clientClosedEarly = true;
    });
    const step = queue.shift() ??
      fallback ?? {
        kind: 'json',
        status: 500,
        body: { error: { message: 'The test server script is empty.', type: 'server_error' } },
      };
    const reply = typeof step === 'function' ? step(record) : step;
    if (reply.delayMs !== undefined && reply.delayMs > 0) {
      await sleep(reply.delayMs);
      if (record.clientClosedEarly) return;
    }
    switch (reply.kind) {
      case 'reset':
        request.socket.destroy();
        return;
      case 'raw':
        request.socket.end(reply.data, () => request.socket.destroy());
        return;
      case 'json':
        response.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
        response.end(JSON.stringify(reply.body));
        finished = true;
        return;
      case 'sse': {
        response.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
          ...reply.headers,
        });
        response.flushHeaders();
        let sent = 0;
        for (const frame of reply.frames) {
          if (reply.resetAfterFrames !== undefined && sent >= reply.resetAfterFrames) {
            request.socket.destroy();
            return;
          }
          const wait = reply.frameDelaysMs?.[sent] ?? 0;
          if (wait > 0) await sleep(wait);
          if (record.clientClosedEarly) return;
          response.write(frame);
          sent += 1;
          if (reply.frameDelayMs !== undefined && reply.frameDelayMs > 0) await sleep(reply.frameDelayMs);
        }
        if (reply.resetAfterFrames !== undefined && sent >= reply.resetAfterFrames) {
          request.socket.destroy();
          return;
        }
        finished = true;
        response.end();
        return;
      }
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    script(...steps) {
      queue.push(...steps);
    },
    setFallback(step) {
      fallback = step;
    },
    get requests() {
      return requests;
    },
    reset() {
      queue.length = 0;
      requests.length = 0;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

/**
 * A 200 page of HTML instead of the API's JSON, as a gateway or captive portal serves it
 * (`text/html`, the connection closed after it).
 */
export function htmlPageReply(html: string): ScriptedReply {
  const body = `<!doctype html><html><body>${html}</body></html>`;
  return {
    kind: 'raw',
    data: `HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  };
}

/**
 * A 200 whose body breaks off: `prefix` (e.g. the first SSE frames) arrives intact, then the
 * chunked framing is corrupt (the text after it, `garbage`, is what the client's HTTP parser
 * chokes on and may keep in its error). Clients see a network error while reading the body.
 */
export function brokenBodyReply({
  contentType,
  prefix = '',
  garbage = 'zz',
}: {
  readonly contentType: string;
  readonly prefix?: string;
  readonly garbage?: string;
}): ScriptedReply {
  const head = `HTTP/1.1 200 OK\r\ncontent-type: ${contentType}\r\ntransfer-encoding: chunked\r\n\r\n`;
  const first = prefix === '' ? '' : `${Buffer.byteLength(prefix).toString(16)}\r\n${prefix}\r\n`;
  return { kind: 'raw', data: `${head}${first}zz ${garbage}\r\n` };
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
