import { checkOptions, InvalidOptionsError } from '@dk/spec';

/**
 * The rule one setting must follow, in {@link checkSettings}: a named kind, one of fixed
 * values, a nested settings object with its own rules, or a custom check.
 */
export type SettingCheck =
  | 'string'
  | 'non-empty-string'
  | 'boolean'
  | 'function'
  | 'object'
  | 'array'
  | 'positive-integer'
  | 'non-negative-integer'
  | 'positive-number'
  | 'non-negative-number'
  | 'url'
  | 'string-record'
  | { readonly oneOf: readonly string[] }
  | { readonly settings: SettingChecks }
  /** Returns what the value must be (`a function or a number`) when it is wrong, else `undefined`. */
  | { readonly check: (value: unknown) => string | undefined };

/** The rules of every setting of a component, by name. */
export type SettingChecks = Readonly<Record<string, SettingCheck>>;

const rules: Record<Extract<SettingCheck, string>, readonly [(value: unknown) => boolean, string]> = {
  string: [(value) => typeof value === 'string', 'a string'],
  'non-empty-string': [(value) => typeof value === 'string' && value.trim() !== '', 'a non-empty string'],
  boolean: [(value) => typeof value === 'boolean', '`true` or `false`'],
  function: [(value) => typeof value === 'function', 'a function'],
  object: [(value) => isPlainObject(value), 'an object'],
  array: [(value) => Array.isArray(value), 'an array'],
  'positive-integer': [(value) => Number.isInteger(value) && (value as number) > 0, 'a positive integer'],
  'non-negative-integer': [(value) => Number.isInteger(value) && (value as number) >= 0, 'a non-negative integer'],
  'positive-number': [(value) => isFiniteNumber(value) && value > 0, 'a positive number'],
  'non-negative-number': [(value) => isFiniteNumber(value) && value >= 0, 'a non-negative number'],
  url: [(value) => typeof value === 'string' && URL.canParse(value), 'an absolute URL such as `https://host/v1`'],
  'string-record': [
    (value) => isPlainObject(value) && Object.values(value).every((entry) => typeof entry === 'string'),
    'an object of string values',
  ],
};

/**
 * Checks the settings of a public constructor or factory at run time, for callers without
 * TypeScript: unknown names fail with a did-you-mean (`checkOptions` from `@dk/spec`:
 * `echo_prefix` → `echoPrefix`), and a value of the wrong type or range fails naming the
 * setting and what it must be. `undefined` values are accepted (they mean "default").
 *
 * @throws InvalidOptionsError
 * @example
 * checkSettings('AcmeProvider', settings, { apiKey: 'string', timeoutMs: 'positive-number' });
 */
export function checkSettings(component: string, settings: unknown, checks: SettingChecks): void {
  checkLevel(component, settings, checks, '');
}

function checkLevel(component: string, settings: unknown, checks: SettingChecks, path: string): void {
  checkOptions(path === '' ? component : `${component} \`${path.slice(0, -1)}\``, settings, Object.keys(checks));
  if (settings === undefined) return;
  for (const [name, check] of Object.entries(checks)) {
    const value = (settings as Record<string, unknown>)[name];
    if (value === undefined) continue;
    if (typeof check === 'object' && 'settings' in check) {
      if (!isPlainObject(value)) throw invalidValue(component, `${path}${name}`, 'an object', value);
      checkLevel(component, value, check.settings, `${path}${name}.`);
      continue;
    }
    const expected = problemOf(check, value);
    if (expected !== undefined) throw invalidValue(component, `${path}${name}`, expected, value);
  }
}

function problemOf(check: SettingCheck, value: unknown): string | undefined {
  if (typeof check === 'string') {
    const [test, expected] = rules[check];
    return test(value) ? undefined : expected;
  }
  if ('oneOf' in check) {
    if (check.oneOf.includes(value as string)) return undefined;
    const choices = `one of ${check.oneOf.map((choice) => `\`${choice}\``).join(', ')}`;
    // A wrong choice is not a secret: show it.
    return typeof value === 'string' ? `${choices}, got ${JSON.stringify(value.slice(0, 40))}` : choices;
  }
  if ('check' in check) return check.check(value);
  return undefined;
}

/**
 * The {@link InvalidOptionsError} for a setting whose value is wrong: names the setting, what it
 * must be and what it got (a string value is never quoted: it may be a key).
 */
export function invalidValue(component: string, name: string, expected: string, value: unknown): InvalidOptionsError {
  const got = expected.includes(', got ') ? '' : `, got ${describeValue(value)}`;
  return new InvalidOptionsError({
    component,
    unknown: [],
    suggestions: {},
    message: `${component}: \`${name}\` must be ${expected}${got}.`,
  });
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return value.trim() === '' ? 'an empty string' : 'another string';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
