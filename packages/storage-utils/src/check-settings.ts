import { checkOptions } from '@dk/spec';
import { StoreSettingsError } from './store-settings-error.js';

/** Value checks for one component's settings; each failure is a {@link StoreSettingsError}. */
export interface SettingsChecker {
  /** The error for `setting`, to throw. */
  fail(setting: string, reason: string): StoreSettingsError;
  /** An integer ≥ `min`, or `fallback` when absent. */
  integer(
    setting: string,
    value: unknown,
    { min, fallback }: { readonly min: number; readonly fallback: number },
  ): number;
  /** A string matching `pattern` (default: non-blank), or `fallback` when absent and given. */
  string(
    setting: string,
    value: unknown,
    options: { readonly fallback?: string; readonly pattern?: RegExp; readonly reason: string },
  ): string;
  /** A boolean, or `fallback` when absent. */
  boolean(setting: string, value: unknown, fallback: boolean): boolean;
  /** A function, or `undefined` when absent. */
  callback<T>(setting: string, value: unknown): T | undefined;
}

/**
 * Checks a constructor's settings object: unknown names fail with `InvalidOptionsError`
 * (with a did-you-mean, `busy_timeout_ms` → `busyTimeoutMs`), and the returned checker
 * validates each value's type and range.
 */
export function checkSettings(
  { provider, component }: { readonly provider: string; readonly component: string },
  settings: unknown,
  known: readonly string[],
): SettingsChecker {
  checkOptions(component, settings, known);
  const fail = (setting: string, reason: string) => new StoreSettingsError({ provider, component, setting, reason });
  return {
    fail,
    integer(setting, value, { min, fallback }) {
      if (value === undefined) return fallback;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
        throw fail(setting, `must be an integer ≥ ${min}, got ${describe(value)}.`);
      }
      return value;
    },
    string(setting, value, { fallback, pattern, reason }) {
      if (value === undefined && fallback !== undefined) return fallback;
      if (typeof value !== 'string') throw fail(setting, `${reason} Got ${describe(value)}.`);
      // The value itself is never echoed: a misplaced connection string may hold a password.
      if (pattern === undefined ? value.trim() === '' : !pattern.test(value)) {
        throw fail(setting, value.trim() === '' ? `${reason} Got an empty string.` : reason);
      }
      return value;
    },
    boolean(setting, value, fallback) {
      if (value === undefined) return fallback;
      if (typeof value !== 'boolean') throw fail(setting, `must be true or false, got ${describe(value)}.`);
      return value;
    },
    callback<T>(setting: string, value: unknown): T | undefined {
      if (value === undefined) return undefined;
      if (typeof value !== 'function') throw fail(setting, `must be a function, got ${describe(value)}.`);
      return value as T;
    },
  };
}

function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) {
    return String(value);
  }
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}
