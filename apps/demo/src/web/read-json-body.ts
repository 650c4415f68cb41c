import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Reads a JSON object body of at most `maxBytes` bytes (413 above, 400 for anything but a JSON object). */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(request.headers['content-length'] ?? '0');
  if (declared > maxBytes) {
    request.resume();
    throw new HttpError({
      status: 413,
      code: 'BODY_TOO_LARGE',
      message: `The request body is ${declared} bytes; the limit is ${maxBytes} (server.maxBodyBytes).`,
    });
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      request.resume();
      throw new HttpError({
        status: 413,
        code: 'BODY_TOO_LARGE',
        message: `The request body exceeds the limit of ${maxBytes} bytes (server.maxBodyBytes).`,
      });
    }
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError({
      status: 400,
      code: 'INVALID_JSON',
      message: 'The request body is not valid JSON. Send a JSON object such as {"content": "hello"}.',
    });
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new HttpError({
      status: 400,
      code: 'INVALID_JSON',
      message: 'The request body must be a JSON object such as {"content": "hello"}.',
    });
  }
  return value as Record<string, unknown>;
}
