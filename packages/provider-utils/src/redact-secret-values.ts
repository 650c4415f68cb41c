/** The text that replaces every secret found by {@link redactSecretValues}. */
export const redactedPlaceholder = '[REDACTED]';

/**
 * The secrets worth looking for: strings, non-empty, without duplicates, longest first (so a
 * key that contains another is removed whole).
 */
export function normalizeSecrets(secrets: Iterable<string | null | undefined>): string[] {
  const unique = new Set<string>();
  for (const secret of secrets) if (typeof secret === 'string' && secret.length > 0) unique.add(secret);
  return [...unique].sort((left, right) => right.length - left.length);
}

/**
 * Replaces every occurrence of each secret value (an API key, a token) in `text` with
 * `[REDACTED]`, longest secret first. Empty, `undefined` and `null` secrets are skipped. Use it
 * on every vendor message, URL or payload before it goes into an error, a log line or a
 * recording. (Unlike `@dk/conversations`' `redactSecrets`, which looks for secret-like
 * patterns, this removes the exact values you pass.)
 */
export function redactSecretValues(text: string, secrets: Iterable<string | null | undefined>): string {
  let result = text;
  for (const secret of normalizeSecrets(secrets)) {
    if (result.includes(secret)) result = result.split(secret).join(redactedPlaceholder);
  }
  return result;
}
