/** What replaces a redacted secret. */
const redactedMarker = '[REDACTED]';

/**
 * Patterns of strings that look like credentials: vendor API keys (OpenAI/Anthropic `sk-…`,
 * AWS `AKIA…`, GitHub `ghp_…`, Slack `xox…`, Google `AIza…`), bearer tokens, and
 * `apiKey=…`/`password: …`-style assignments (the value is redacted, the name kept).
 */
export const defaultSecretPatterns: readonly RegExp[] = [
  /\bsk-(?:ant-|proj-|live-|test-)?[A-Za-z0-9_-]{16,}/g,
  /\bBearer\s+[A-Za-z0-9._~+/=-]{12,}/gi,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bxox[abposr]-[A-Za-z0-9-]{10,}/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\b((?:api[_-]?key|secret|token|password|passwd|authorization)["']?\s*[:=]\s*["']?)[^\s"',;]{4,}/gi,
];

function globalCopy(pattern: RegExp): RegExp {
  return pattern.global ? pattern : new RegExp(pattern.source, `${pattern.flags}g`);
}

/** Replaces every match of the default secret patterns and of `extraPatterns` in `text` with `[REDACTED]`. */
export function redactSecrets(text: string, extraPatterns: readonly RegExp[] = []): string {
  let result = text;
  for (const pattern of defaultSecretPatterns) {
    pattern.lastIndex = 0;
    result = result.replace(pattern, (match: string, prefix: unknown) =>
      typeof prefix === 'string' ? `${prefix}${redactedMarker}` : redactedMarker,
    );
  }
  for (const pattern of extraPatterns) result = result.replace(globalCopy(pattern), redactedMarker);
  return result;
}

/** A copy of a log value with every string redacted by {@link redactSecrets} (objects and arrays walked, depth ≤ 8). */
export function redactValue(value: unknown, extraPatterns: readonly RegExp[] = [], depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value, extraPatterns);
  if (typeof value !== 'object' || value === null || depth >= 8) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, extraPatterns, depth + 1));
  if (value instanceof Date) return value;
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = redactValue(item, extraPatterns, depth + 1);
  return copy;
}
