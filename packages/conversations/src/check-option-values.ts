import { checkOptions, InvalidOptionsError } from '@dk/spec';

/** What one option's value must be, for {@link checkOptionValues}. */
export type OptionRule =
  /** Checked elsewhere (by the component itself). */
  | 'any'
  | 'string'
  | 'boolean'
  | 'number'
  | 'function'
  | 'object'
  | 'array'
  | 'string-array'
  | 'regexp-array'
  | { readonly oneOf: readonly string[] }
  /** An object with these methods (an `LLMProvider`, a `RateLimiter`, …), described as `described`. */
  | { readonly methods: readonly string[]; readonly described: string };

const kinds: Record<Extract<OptionRule, string>, readonly [(value: unknown) => boolean, string]> = {
  any: [() => true, 'anything'],
  string: [(value) => typeof value === 'string', 'a string'],
  boolean: [(value) => typeof value === 'boolean', '`true` or `false`'],
  number: [(value) => typeof value === 'number' && !Number.isNaN(value), 'a number'],
  function: [(value) => typeof value === 'function', 'a function'],
  object: [(value) => isPlainObject(value), 'an object'],
  array: [(value) => Array.isArray(value), 'an array'],
  'string-array': [
    (value) => Array.isArray(value) && value.every((entry) => typeof entry === 'string'),
    'an array of strings',
  ],
  'regexp-array': [
    (value) => Array.isArray(value) && value.every((entry) => entry instanceof RegExp),
    'an array of regular expressions (e.g. `[/secret-\\w+/]`)',
  ],
};

/**
 * Checks the options of a public constructor or factory at run time, for callers without
 * TypeScript: a missing options object when `example` is given (the constructor needs some
 * option), unknown names with a did-you-mean (`checkOptions`), and each given value against
 * its rule (a string where an array belongs, a number where a function belongs). `undefined`
 * values mean "default" and are accepted. Range checks stay with each component.
 *
 * @param example How to call the component correctly, e.g. `new RateLimitMiddleware({ maxRequests: 10 })`;
 *   when given, `options` is required.
 * @throws InvalidOptionsError
 */
export function checkOptionValues(
  component: string,
  options: unknown,
  rules: Readonly<Record<string, OptionRule>>,
  example?: string,
): void {
  if (options === undefined && example !== undefined) {
    throw new InvalidOptionsError({
      component,
      unknown: [],
      suggestions: {},
      message: `${component} needs an options object, got nothing. Call it like \`${example}\`.`,
    });
  }
  checkOptions(component, options, Object.keys(rules));
  if (options === undefined) return;
  for (const [name, rule] of Object.entries(rules)) {
    const value = (options as Record<string, unknown>)[name];
    if (value === undefined) continue;
    const expected = problemOf(rule, value);
    if (expected !== undefined) throw invalidOptionValue(component, name, expected, value);
  }
}

/** The {@link InvalidOptionsError} for an option whose value is wrong: what it must be, and what it got. */
export function invalidOptionValue(
  component: string,
  name: string,
  expected: string,
  value: unknown,
): InvalidOptionsError {
  return new InvalidOptionsError({
    component,
    unknown: [],
    suggestions: {},
    message: `${component}: \`${name}\` must be ${expected}, got ${describeValue(value)}.`,
  });
}

function problemOf(rule: OptionRule, value: unknown): string | undefined {
  if (typeof rule === 'string') {
    const [test, expected] = kinds[rule];
    return test(value) ? undefined : expected;
  }
  if ('oneOf' in rule) {
    return rule.oneOf.includes(value as string)
      ? undefined
      : `one of ${rule.oneOf.map((choice) => `'${choice}'`).join(', ')}`;
  }
  const candidate = value as Record<string, unknown> | null;
  const valid =
    typeof candidate === 'object' &&
    candidate !== null &&
    rule.methods.every((method) => typeof candidate[method] === 'function');
  return valid ? undefined : `${rule.described} (an object with ${rule.methods.map((m) => `\`${m}\``).join(', ')})`;
}

// A string value is never quoted: it may be a key or a prompt.
function describeValue(value: unknown): string {
  if (typeof value === 'string') return value === '' ? 'an empty string' : 'a string';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof RegExp) return 'a regular expression';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
