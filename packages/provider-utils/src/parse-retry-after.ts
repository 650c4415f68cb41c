/** Response headers as `fetch` (`Headers`) or Node (`IncomingHttpHeaders`, plain records) expose them. */
export type HeadersLike =
  { get(name: string): string | null } | Readonly<Record<string, string | readonly string[] | null | undefined>>;

/**
 * Reads how long a server asked the client to wait before retrying, in milliseconds, from
 * `retry-after-ms` (milliseconds, as OpenAI sends) or `Retry-After` (delay in seconds, or an
 * HTTP date). Returns `undefined` when neither header holds a usable value; negative,
 * non-finite and unparsable values are ignored, and a date in the past gives 0.
 *
 * @param now Current time in epoch milliseconds, for HTTP-date values. Default `Date.now()`.
 */
export function parseRetryAfter(headers: HeadersLike | undefined | null, now: number = Date.now()): number | undefined {
  if (headers === undefined || headers === null) return undefined;
  const milliseconds = parseNumber(readHeader(headers, 'retry-after-ms'));
  if (milliseconds !== undefined) return milliseconds;
  const value = readHeader(headers, 'retry-after');
  if (value === undefined) return undefined;
  const seconds = parseNumber(value);
  if (seconds !== undefined) return Math.round(seconds * 1000);
  // HTTP dates always contain letters and a space, so bare numbers never reach Date.parse.
  if (!/[a-z]/i.test(value)) return undefined;
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function readHeader(headers: HeadersLike, name: string): string | undefined {
  if (typeof headers.get === 'function') {
    return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  }
  const record = headers as Readonly<Record<string, string | readonly string[] | null | undefined>>;
  for (const [key, value] of Object.entries(record)) {
    if (key.toLowerCase() !== name) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

function parseNumber(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : undefined;
}
