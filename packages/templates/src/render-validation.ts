import { hasValue } from './has-value.js';
import { MissingParametersError } from './missing-parameters-error.js';
import { variableRef } from './parse-template.js';
import type { RenderSettings } from './render-settings.js';
import { builtinValue, NEEDS_CLOCK, resolveRoot, walkRest } from './resolve-variable.js';
import { TemplateOptionsError } from './template-options-error.js';
import type { VariableRef } from './template-program.js';

type Bag = Readonly<Record<string, unknown>>;

const EMPTY: readonly string[] = Object.freeze([]);

/** Calls the clock of a render; it must return a valid Date. */
export function readClock(clock: () => Date): Date {
  const now = clock();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TemplateOptionsError('clock', 'The `clock` option must return a valid Date.');
  }
  return now;
}

/** The clock of one render, called at most once (validation names may need it). */
export interface ClockReading {
  readonly clock: () => Date;
  now: Date | undefined;
}

/** Lookup plans of names given at run time (validation lists), by name; bounded. */
const nameRefs = new Map<string, VariableRef>();
const NAME_REFS_MAX = 1024;

function refOfName(name: string): VariableRef {
  let ref = nameRefs.get(name);
  if (ref === undefined) {
    ref = variableRef(name, name.split('.'));
    if (nameRefs.size >= NAME_REFS_MAX) nameRefs.clear();
    nameRefs.set(name, ref);
  }
  return ref;
}

/**
 * The names of `names` (a name or a dotted path each, duplicates once) whose value by the
 * rendering rules has no value (`hasValue`): absent, `null`, blank or `[]`. In the order given.
 */
export function namesWithoutValue(
  names: readonly string[],
  params: Bag,
  defaults: Bag | undefined,
  reading: ClockReading,
): readonly string[] {
  let found: string[] | undefined;
  for (const name of names) {
    if (found?.includes(name) === true) continue;
    const ref = refOfName(name);
    let value = resolveRoot(ref, params, defaults);
    if (value === NEEDS_CLOCK) value = builtinValue(ref.builtin, (reading.now ??= readClock(reading.clock)));
    if (!hasValue(walkRest(ref, value))) (found ??= []).push(name);
  }
  return found === undefined ? EMPTY : Object.freeze(found);
}

/** Whether `path` or its root is one of `names`. */
function isListed(path: string, names: readonly string[]): boolean {
  if (names.length === 0) return false;
  if (names.includes(path)) return true;
  const dot = path.indexOf('.');
  return dot !== -1 && names.includes(path.slice(0, dot));
}

/**
 * The warnings of a render, after it: required names without a value (`missing`), optional
 * names without a value (`optionalMissing`), and variables left in the text as `{{name}}`
 * (`unresolved`) that are neither optional nor already reported as missing.
 * @throws {MissingParametersError} (`'unresolved'`) when variables that are not optional
 *   stay unresolved at level `'error'` or with `strict`, unless the render is `partial`.
 */
export function concludeRender(
  settings: RenderSettings,
  missing: readonly string[],
  optionalMissing: readonly string[],
  unresolved: readonly string[],
): readonly string[] {
  let left = EMPTY;
  if (unresolved.length > 0 && !settings.partial) {
    const failing = unresolved.filter((path) => !isListed(path, settings.optional));
    if (failing.length > 0 && (settings.strict || settings.level === 'error')) {
      throw new MissingParametersError(failing, 'unresolved');
    }
    left = failing.filter((path) => !isListed(path, missing));
  }
  if (settings.level === 'ignore') return EMPTY;
  const warnings: string[] = [];
  if (missing.length > 0) warnings.push(`Missing required parameters: ${missing.join(', ')}`);
  if (left.length > 0) {
    warnings.push(`Unresolved variables left in the text: ${left.join(', ')}`);
  }
  if (optionalMissing.length > 0) warnings.push(`Missing optional parameters: ${optionalMissing.join(', ')}`);
  return warnings.length === 0 ? EMPTY : Object.freeze(warnings);
}
