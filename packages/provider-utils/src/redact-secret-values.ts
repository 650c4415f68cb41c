/** The text that replaces every secret found by {@link redactSecrets}. */
export const redactedPlaceholder = '[REDACTED]';

/**
 * Replaces every occurrence of each secret in `text` with `[REDACTED]`, longest secret first
 * (so a key that contains another is removed whole). Empty, `undefined` and `null` secrets
 * are skipped. Use it on every vendor message, URL or payload before it goes into an error,
 * a log line or a recording.
 */
export function redactSecrets(text: string, secrets: Iterable<string | null | undefined>): string {
  const ordered = [
    ...new Set([...secrets].filter((secret): secret is string => typeof secret === 'string' && secret.length > 0)),
  ].sort((left, right) => right.length - left.length);
  let result = text;
  for (const secret of ordered) {
    if (result.includes(secret)) result = result.split(secret).join(redactedPlaceholder);
  }
  return result;
}
