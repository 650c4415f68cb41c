import { normalizeSecrets, redactSecretValues } from './redact-secret-values.js';

const maxDepth = 24;

/**
 * Removes every occurrence of `secrets` from the whole object graph of `error`, in place, so
 * that no rendering of it (`util.inspect` at any depth, `console.error`, `JSON.stringify`,
 * `toJSON()`) can show them: the message and stack of the error and of every `cause`, string
 * properties at any depth (a vendor's parsed error body, a parser's raw `data`), and headers
 * objects (replaced by redacted copies, since a response's headers are immutable). Objects are
 * visited once; accessors other than an error's `stack` are not invoked; frozen properties are
 * left as they are.
 *
 * Providers call it (through `BaseProvider`) on every error before it leaves the provider.
 *
 * @returns `error`, for chaining.
 */
export function redactErrorSecrets<T>(error: T, secrets: Iterable<string | null | undefined>): T {
  const list = normalizeSecrets(secrets);
  if (list.length > 0) redactObject(error, list, new WeakSet(), 0);
  return error;
}

function redactObject(value: unknown, secrets: readonly string[], seen: WeakSet<object>, depth: number): void {
  if (typeof value !== 'object' || value === null || seen.has(value) || depth > maxDepth) return;
  seen.add(value);
  if (value instanceof Error) {
    // `stack` may be an accessor that formats lazily; reading it is how its text is fixed.
    const stack = value.stack;
    if (typeof stack === 'string') replace(value, 'stack', redactSecretValues(stack, secrets), stack);
  }
  for (const key of Reflect.ownKeys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || !('value' in descriptor)) continue;
    const current: unknown = descriptor.value;
    if (typeof current === 'string') {
      replace(value, key, redactSecretValues(current, secrets), current);
    } else if (isHeaders(current)) {
      const redacted = redactHeaders(current, secrets);
      if (redacted !== undefined) replace(value, key, redacted, current);
    } else {
      redactObject(current, secrets, seen, depth + 1);
    }
  }
}

function replace(target: object, key: string | symbol, redacted: unknown, current: unknown): void {
  if (redacted === current) return;
  const descriptor = Object.getOwnPropertyDescriptor(target, key);
  if (descriptor === undefined || descriptor.configurable === true) {
    Object.defineProperty(target, key, {
      value: redacted,
      writable: descriptor?.writable ?? true,
      enumerable: descriptor?.enumerable ?? false,
      configurable: true,
    });
  } else if (descriptor.writable === true) {
    (target as Record<string | symbol, unknown>)[key] = redacted;
  }
}

function isHeaders(value: unknown): value is Headers {
  return typeof Headers === 'function' && value instanceof Headers;
}

/** A redacted copy of `headers`, or `undefined` when no value holds a secret. */
function redactHeaders(headers: Headers, secrets: readonly string[]): Headers | undefined {
  let changed = false;
  const copy = new Headers();
  headers.forEach((value, name) => {
    const redacted = redactSecretValues(value, secrets);
    if (redacted !== value) changed = true;
    copy.append(name, redacted);
  });
  return changed ? copy : undefined;
}
