import { checkOptions } from '@dk/spec';
import type { RenderOptions } from './render-options.js';
import { TemplateOptionsError } from './template-options-error.js';
import type { ValidationLevel } from './validation-level.js';

type Bag = Readonly<Record<string, unknown>>;

/** The options of one render, checked and with their defaults filled in. */
export interface RenderSettings {
  readonly defaults: Bag | undefined;
  readonly clock: () => Date;
  readonly strict: boolean;
  readonly partial: boolean;
  readonly level: ValidationLevel;
  readonly required: readonly string[];
  readonly optional: readonly string[];
}

const OPTION_NAMES: readonly string[] = ['validation', 'defaults', 'strict', 'partial', 'clock'];
const VALIDATION_NAMES: readonly string[] = ['level', 'required', 'optional'];
const EMPTY: readonly string[] = Object.freeze([]);
const NO_PARAMS: Bag = Object.freeze({});
const systemClock = (): Date => new Date();

/** The settings of a render without options. */
export const DEFAULT_SETTINGS: RenderSettings = Object.freeze({
  defaults: undefined,
  clock: systemClock,
  strict: false,
  partial: false,
  level: 'warn',
  required: EMPTY,
  optional: EMPTY,
});

/**
 * Checks that `params` (or `defaults`, named by `option`) is an object that is not an array,
 * or null/undefined (read as no params).
 * @throws {TemplateOptionsError} otherwise.
 */
export function checkBag(value: unknown, option: string): Bag {
  if (value === undefined || value === null) return NO_PARAMS;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new TemplateOptionsError(
      option,
      `\`${option}\` must be an object mapping names to values, got ${Array.isArray(value) ? 'an array' : typeof value}.`,
    );
  }
  return value as Bag;
}

function checkNames(value: unknown, option: string): readonly string[] {
  if (value === undefined) return EMPTY;
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string')) {
    throw new TemplateOptionsError(option, `\`${option}\` must be an array of parameter names.`);
  }
  return value as readonly string[];
}

function checkFlag(value: unknown, option: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') {
    throw new TemplateOptionsError(option, `\`${option}\` must be true or false, got ${typeof value}.`);
  }
  return value;
}

/**
 * Throws `InvalidOptionsError` (with a did-you-mean, snake_case → camelCase) when `options`
 * has a key outside `known`. The enumeration is allocation-free; the full check (and its
 * message) runs only when a key looks unknown.
 */
function checkKeys(component: string, options: object, known: readonly string[]): void {
  for (const key in options) {
    if (!known.includes(key)) {
      checkOptions(component, options, known);
      return;
    }
  }
}

/**
 * Checks `options` of a render and fills in the defaults.
 * @throws {InvalidOptionsError} for an unknown option name (with a did-you-mean).
 * @throws {TemplateOptionsError} for an option of the wrong type.
 */
export function renderSettings(options: RenderOptions | null | undefined): RenderSettings {
  if (options === undefined || options === null) return DEFAULT_SETTINGS;
  if (typeof options !== 'object' || Array.isArray(options)) checkOptions('render options', options, OPTION_NAMES);
  checkKeys('render options', options, OPTION_NAMES);
  const defaults = options.defaults === undefined ? undefined : checkBag(options.defaults, 'defaults');
  let clock = systemClock;
  if (options.clock !== undefined) {
    if (typeof options.clock !== 'function') {
      throw new TemplateOptionsError('clock', 'The `clock` option must be a function returning a Date.');
    }
    clock = options.clock;
  }
  const strict = checkFlag(options.strict, 'strict');
  const partial = checkFlag(options.partial, 'partial');
  if (strict && partial) {
    throw new TemplateOptionsError(
      'partial',
      '`strict: true` and `partial: true` contradict each other: strict refuses variables left as `{{name}}`, partial expects them. Pick one.',
    );
  }
  const validation: unknown = options.validation;
  let level: ValidationLevel = 'warn';
  let required = EMPTY;
  let optional = EMPTY;
  if (validation !== undefined && validation !== null) {
    if (typeof validation !== 'object' || Array.isArray(validation)) {
      throw new TemplateOptionsError(
        'validation',
        '`validation` must be an object such as `{ level, required, optional }`.',
      );
    }
    checkKeys('render options.validation', validation, VALIDATION_NAMES);
    const given = validation as { level?: unknown; required?: unknown; optional?: unknown };
    const wanted = given.level ?? 'warn';
    if (wanted !== 'error' && wanted !== 'warn' && wanted !== 'ignore') {
      throw new TemplateOptionsError(
        'validation.level',
        `Unknown validation level ${typeof wanted === 'string' ? JSON.stringify(wanted) : `of type ${typeof wanted}`}: use 'error', 'warn' or 'ignore'.`,
      );
    }
    level = wanted;
    required = checkNames(given.required, 'validation.required');
    optional = checkNames(given.optional, 'validation.optional');
  }
  return { defaults, clock, strict, partial, level, required, optional };
}
