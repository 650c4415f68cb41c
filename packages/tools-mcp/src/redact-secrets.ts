const marker = '[redacted]';
/** Shorter values (`1`, `dev`) are too common in ordinary text to be told apart from secrets. */
const shortestSecret = 4;

/**
 * The strings that must never appear in an error: the given values, and for values with
 * spaces (`Bearer abc…`) each long word of them. Longest first, so a secret containing
 * another is replaced whole.
 */
export function collectSecrets(values: Iterable<string>): readonly string[] {
  const secrets = new Set<string>();
  for (const value of values) {
    if (value.length >= shortestSecret) secrets.add(value);
    for (const word of value.split(/\s+/)) if (word.length >= 8) secrets.add(word);
  }
  return [...secrets].sort((left, right) => right.length - left.length);
}

/** `text` with every secret replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (result.includes(secret)) result = result.split(secret).join(marker);
  return result;
}

function mentionsSecret(error: unknown, secrets: readonly string[], depth: number): boolean {
  if (depth > 5 || secrets.length === 0) return false;
  if (!(error instanceof Error)) {
    const text = typeof error === 'string' ? error : '';
    return secrets.some((secret) => text.includes(secret));
  }
  const text = `${error.message}\n${error.stack ?? ''}`;
  return secrets.some((secret) => text.includes(secret)) || mentionsSecret(error.cause, secrets, depth + 1);
}

/**
 * `error` itself when no secret appears in it or its causes; otherwise a plain copy with
 * the secrets redacted from its message, causes copied the same way (its other properties,
 * which could hold anything, are dropped).
 */
export function redactError(error: unknown, secrets: readonly string[], depth = 0): unknown {
  if (!mentionsSecret(error, secrets, depth)) return error;
  if (!(error instanceof Error)) return redactSecrets(String(error), secrets);
  const cause = depth < 5 && error.cause !== undefined ? redactError(error.cause, secrets, depth + 1) : undefined;
  const copy = new Error(redactSecrets(error.message, secrets), cause === undefined ? undefined : { cause });
  copy.name = error.name;
  copy.stack = `${copy.name}: ${copy.message}`;
  return copy;
}
