import { HttpError } from './http-error.js';

/** Reads a JSON object body of at most `maxBytes` bytes (413 above, 400 for anything but a JSON object). */
export async function readJsonBody(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  const tooLarge = (detail: string): HttpError =>
    new HttpError({
      status: 413,
      code: 'BODY_TOO_LARGE',
      message: `The request body ${detail}; the limit is ${maxBytes} bytes (maxBodyBytes).`,
    });
  if (declared > maxBytes) throw tooLarge(`is ${declared} bytes`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    const reader = request.body.getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge('is larger');
      }
      chunks.push(value);
    }
  }
  if (size === 0) return {};
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new HttpError({
      status: 400,
      code: 'INVALID_JSON',
      message: 'The request body is not valid JSON. Send a JSON object such as {"title": "hello"}.',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError({
      status: 400,
      code: 'INVALID_JSON',
      message: 'The request body must be a JSON object such as {"title": "hello"}.',
    });
  }
  return value as Record<string, unknown>;
}
