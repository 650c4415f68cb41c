import type { CorsOptions } from './handler-options.js';

/** The CORS headers for a request's `Origin`, or none when it is not allowed. */
export function corsHeaders(cors: CorsOptions | undefined, request: Request): Record<string, string> {
  const origin = request.headers.get('origin');
  if (cors === undefined || origin === null) return {};
  const any = cors.origins === '*';
  if (!any && !cors.origins.includes(origin)) return {};
  const credentials = cors.credentials === true && !any;
  return {
    'access-control-allow-origin': any ? '*' : origin,
    ...(any ? {} : { vary: 'origin' }),
    ...(credentials ? { 'access-control-allow-credentials': 'true' } : {}),
    'access-control-expose-headers': 'retry-after, x-vercel-ai-ui-message-stream',
  };
}

/** The answer to a CORS preflight (`OPTIONS`). */
export function preflightResponse(cors: CorsOptions | undefined, request: Request): Response {
  const headers = corsHeaders(cors, request);
  if (headers['access-control-allow-origin'] === undefined) return new Response(null, { status: 204 });
  return new Response(null, {
    status: 204,
    headers: {
      ...headers,
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': request.headers.get('access-control-request-headers') ?? 'content-type',
      'access-control-max-age': String(cors?.maxAgeSeconds ?? 600),
    },
  });
}
