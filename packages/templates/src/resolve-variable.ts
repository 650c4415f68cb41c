import { BUILTIN_DATE, BUILTIN_DATETIME, BUILTIN_NONE } from './template-program.js';
import type { VariableRef } from './template-program.js';

/** Returned by {@link resolveRoot} when only a built-in (which needs the clock) can supply the root. */
export const NEEDS_CLOCK: unique symbol = Symbol('dk.templates.needsClock');

type Bag = Readonly<Record<string, unknown>>;

const isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * `params[root]` when `root` is an enumerable property of `params`, own or inherited (as
 * `for … in` lists it), else `undefined`; with `ownOnly`, only an own enumerable property
 * counts. The property is checked before it is read, so a getter that does not count never
 * runs.
 */
export function readParam(params: Bag, root: string, ownOnly: boolean): unknown {
  if (isEnumerable.call(params, root)) return params[root];
  if (ownOnly || Object.hasOwn(params, root)) return undefined;
  for (
    let proto = Object.getPrototypeOf(params) as object | null;
    proto !== null;
    proto = Object.getPrototypeOf(proto) as object | null
  ) {
    if (Object.hasOwn(proto, root)) return isEnumerable.call(proto, root) ? params[root] : undefined;
  }
  return undefined;
}

/** The default for `root`, read by name; names inherited from built-in prototypes only as own properties. */
export function readDefault(defaults: Bag, root: string, ownOnly: boolean): unknown {
  const value = defaults[root];
  return value !== undefined && ownOnly && !Object.hasOwn(defaults, root) ? undefined : value;
}

/**
 * The value of `ref`'s root read by name (no snapshot): the param (see {@link readParam}),
 * else the default, else {@link NEEDS_CLOCK} for a built-in, else `undefined`. A param that
 * is `undefined` counts as absent; `null` does not.
 */
export function resolveRoot(ref: VariableRef, params: Bag, defaults: Bag | undefined): unknown {
  let value = readParam(params, ref.root, ref.rootOwnOnly);
  if (value === undefined) {
    if (defaults !== undefined) value = readDefault(defaults, ref.root, ref.rootOwnOnly);
    if (value === undefined && ref.builtin !== BUILTIN_NONE) return NEEDS_CLOCK;
  }
  return value;
}

/** Walks the segments after the root; `undefined` as soon as a step has nothing to read. */
export function walkRest(ref: VariableRef, value: unknown): unknown {
  const rest = ref.rest;
  for (let k = 0; k < rest.length; k++) {
    if (value === undefined || value === null) return undefined;
    const segment = rest[k] as string;
    if (ref.restOwnOnly[k] === true && !Object.hasOwn(value as object, segment)) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/** The value of a built-in variable at `now` (UTC). */
export function builtinValue(builtin: number, now: Date): unknown {
  const iso = now.toISOString();
  if (builtin === BUILTIN_DATE) return iso.slice(0, iso.indexOf('T'));
  if (builtin === BUILTIN_DATETIME) return iso;
  return now.getUTCFullYear();
}
