/**
 * Whether `value` counts as a value for the template language: not `undefined`, not `null`,
 * not a string that is empty or only white space (as `String.prototype.trim` defines it),
 * not an empty array. `0`, `false`, `NaN` and `{}` are values.
 */
export function hasValue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === 'string') return hasStringValue(value);
  if (Array.isArray(value)) return value.length > 0;
  return true;
}

/** {@link hasValue} for a string: not empty and not only white space. */
export function hasStringValue(value: string): boolean {
  const length = value.length;
  if (length === 0) return false;
  // Fast path: a visible ASCII character at either end settles it without trimming.
  const first = value.charCodeAt(0);
  if (first > 32 && first < 127) return true;
  const last = value.charCodeAt(length - 1);
  if (last > 32 && last < 127) return true;
  return value.trim().length > 0;
}
