import type { ParamsSnapshot } from './params-reader.js';
import { BUILTIN_DATE, BUILTIN_DATETIME, BUILTIN_NONE } from './template-program.js';
import type { VariableRef } from './template-program.js';

/** Returned by {@link resolveRoot} when only a built-in (which needs the clock) can supply the root. */
export const NEEDS_CLOCK: unique symbol = Symbol('dk.templates.needsClock');

type Bag = Readonly<Record<string, unknown>>;

/**
 * The value of `ref`'s root: the param, else the default, else {@link NEEDS_CLOCK} for a
 * built-in, else `undefined`. A param that is `undefined` counts as absent; `null` does not.
 * Names inherited from built-in prototypes (`constructor`, `toString`, …) only match own
 * properties.
 */
export function resolveRoot(ref: VariableRef, params: Bag, defaults: Bag | undefined): unknown {
  const root = ref.root;
  let value = params[root];
  if (value !== undefined && ref.rootOwnOnly && !Object.hasOwn(params, root)) value = undefined;
  if (value === undefined) {
    if (defaults !== undefined) {
      value = defaults[root];
      if (value !== undefined && ref.rootOwnOnly && !Object.hasOwn(defaults, root)) value = undefined;
    }
    if (value === undefined && ref.builtin !== BUILTIN_NONE) return NEEDS_CLOCK;
  }
  return value;
}

/**
 * The value of `ref` by the rules of SPEC.md section 4, reading the root from `snapshot`
 * when it holds it ({@link ParamsSnapshot}); {@link NEEDS_CLOCK} when only a built-in can
 * supply it (the caller reads the clock, then walks the rest of the path).
 */
export function lookupValue(
  ref: VariableRef,
  params: Bag,
  snapshot: ParamsSnapshot,
  defaults: Bag | undefined,
): unknown {
  let value: unknown;
  if (ref.rootOwnOnly) {
    value = resolveRoot(ref, params, defaults);
    if (value === NEEDS_CLOCK) return value;
  } else {
    const slot = snapshot.slots[ref.index] as number;
    value = slot >= 0 ? snapshot.values[slot] : params[ref.root];
    if (value === undefined) {
      if (defaults !== undefined) value = defaults[ref.root];
      if (value === undefined && ref.builtin !== BUILTIN_NONE) return NEEDS_CLOCK;
    }
  }
  return ref.rest.length === 0 ? value : walkRest(ref, value);
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
