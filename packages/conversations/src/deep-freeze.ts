/**
 * Freezes `value` and everything reachable from it, in place, and returns it. Used on the
 * copies handed to middleware so an accidental mutation throws instead of corrupting a
 * stored node.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  if (ArrayBuffer.isView(value)) return value; // typed arrays cannot be frozen
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) {
    deepFreeze((value as Record<PropertyKey, unknown>)[key]);
  }
  return value;
}

/** A deep, frozen copy of a JSON-like value (Dates and Maps survive, functions do not). */
export function frozenClone<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}
