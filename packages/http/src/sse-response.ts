import { uiMessageStreamHeaders } from './ui-message.js';

const encoder = new TextEncoder();

/**
 * A Server-Sent Events response of JSON chunks (`data: {…}\n\n`), as the AI SDK's
 * `DefaultChatTransport` reads it, with a comment line every `keepAliveMs` so proxies keep an
 * idle stream open. When the client goes away (the body is cancelled) the chunk iterator is
 * returned, which stops the turn (a streamed answer keeps its text as `interrupted`).
 */
export function sseResponse(
  chunks: AsyncIterator<unknown>,
  {
    keepAliveMs,
    headers = {},
    onClose,
  }: {
    readonly keepAliveMs: number;
    readonly headers?: Readonly<Record<string, string>>;
    /** Called once when the stream ends, however it ends. */
    readonly onClose?: () => void;
  },
): Response {
  let timer: ReturnType<typeof setInterval> | undefined;
  let closed = false;
  const finish = (): void => {
    if (closed) return;
    closed = true;
    if (timer !== undefined) clearInterval(timer);
    onClose?.();
  };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (keepAliveMs > 0)
        timer = setInterval(() => {
          try {
            controller.enqueue(encoder.encode(': keep-alive\n\n'));
          } catch {
            finish();
          }
        }, keepAliveMs);
    },
    async pull(controller) {
      try {
        const next = await chunks.next();
        if (next.done === true) {
          controller.enqueue(encoder.encode('data: [DONE]\n\n'));
          controller.close();
          finish();
          return;
        }
        controller.enqueue(encoder.encode(`data: ${JSON.stringify(next.value)}\n\n`));
      } catch (error) {
        finish();
        controller.error(error);
      }
    },
    async cancel() {
      if (timer !== undefined) clearInterval(timer);
      try {
        await chunks.return?.();
      } finally {
        finish();
      }
    },
  });
  return new Response(body, { status: 200, headers: { ...uiMessageStreamHeaders, ...headers } });
}
