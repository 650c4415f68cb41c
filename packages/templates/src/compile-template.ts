import { hasStringValue, hasValue } from './has-value.js';
import { MissingParametersError } from './missing-parameters-error.js';
import { parseTemplate, variableRef } from './parse-template.js';
import type { RenderOptions } from './render-options.js';
import type { RenderResult } from './render-result.js';
import { builtinValue, NEEDS_CLOCK, resolveRoot, walkRest } from './resolve-variable.js';
import { locateIssues } from './source-location.js';
import { stringifyValue } from './stringify-value.js';
import { TemplateOptionsError } from './template-options-error.js';
import { BUILTIN_NONE, OP_SECTION, OP_VARIABLE } from './template-program.js';
import type { TemplateOp, TemplateProgram, VariableRef } from './template-program.js';
import type { TemplateParams } from './template-params.js';
import { TemplateRenderResult } from './template-render-result.js';
import { TemplateSyntaxError } from './template-syntax-error.js';

type Bag = Readonly<Record<string, unknown>>;

/**
 * The arguments of {@link CompiledTemplate.render}: `params` may be left out only when the
 * template needs none.
 */
export type RenderArguments<P> =
  Partial<P> extends P ? [params?: P | null, options?: RenderOptions] : [params: P, options?: RenderOptions];

/** A parsed template, ready to render many times without parsing again. */
export interface CompiledTemplate<P = Record<string, unknown>> {
  /** The template text it was compiled from. */
  readonly source: string;
  /** Every variable path in the template, distinct, in text order. */
  readonly variables: readonly string[];
  /**
   * Renders the template with `params` (see `SPEC.md` for the rules).
   * @throws {MissingParametersError} at validation level `'error'` when required params are
   *   missing, or with `strict: true` when variables stay unresolved.
   * @throws {TemplateOptionsError} when params or options have the wrong shape.
   */
  render(...args: RenderArguments<P>): RenderResult;
}

const EMPTY: readonly string[] = Object.freeze([]);
const NO_PARAMS: Bag = Object.freeze({});
const systemClock = (): Date => new Date();

function readClock(clock: () => Date): Date {
  const now = clock();
  if (!(now instanceof Date) || Number.isNaN(now.getTime())) {
    throw new TemplateOptionsError('clock', 'The `clock` option must return a valid Date.');
  }
  return now;
}

function checkBag(value: unknown, option: string): Bag {
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

/** Resolves a name or dotted path given at run time (validation lists) by the rendering rules. */
function resolveName(name: string, params: Bag, defaults: Bag | undefined, now: () => Date): unknown {
  const ref = variableRef(name, name.split('.'));
  let value = resolveRoot(ref, params, defaults);
  if (value === NEEDS_CLOCK) value = builtinValue(ref.builtin, now());
  return walkRest(ref, value);
}

function isListed(path: string, root: string, names: readonly string[]): boolean {
  return names.includes(path) || names.includes(root);
}

/** The compiled form: a flat op list rendered by one loop. No code generation. */
class TemplateProgramRenderer implements CompiledTemplate<Record<string, unknown>> {
  readonly source: string;
  readonly variables: readonly string[];
  readonly #ops: readonly TemplateOp[];
  readonly #checks: readonly VariableRef[];
  readonly #refs: readonly VariableRef[];

  constructor(source: string, program: TemplateProgram) {
    this.source = source;
    this.#ops = program.ops;
    this.#checks = program.checks;
    this.#refs = program.refs;
    this.variables = Object.freeze(program.refs.map((ref) => ref.path));
  }

  render(params?: Record<string, unknown> | null, options?: RenderOptions): RenderResult {
    const bag = checkBag(params, 'params');
    let defaults: Bag | undefined;
    let clock = systemClock;
    let strict = false;
    let missing = EMPTY;
    let warnings = EMPTY;
    let optional = EMPTY;
    let now: Date | undefined;
    if (options !== undefined && options !== null) {
      if (options.defaults !== undefined) defaults = checkBag(options.defaults, 'defaults');
      if (options.clock !== undefined) {
        if (typeof options.clock !== 'function')
          throw new TemplateOptionsError('clock', 'The `clock` option must be a function returning a Date.');
        clock = options.clock;
      }
      strict = options.strict === true;
      const validation = options.validation;
      if (validation !== undefined && validation !== null) {
        const level = validation.level ?? 'warn';
        if (level !== 'error' && level !== 'warn' && level !== 'ignore') {
          throw new TemplateOptionsError(
            'validation.level',
            `Unknown validation level ${JSON.stringify(level)}: use 'error', 'warn' or 'ignore'.`,
          );
        }
        optional = checkNames(validation.optional, 'validation.optional');
        const required = checkNames(validation.required, 'validation.required');
        if (required.length > 0) {
          const found: string[] = [];
          const readNow = (): Date => (now ??= readClock(clock));
          for (const name of required) {
            if (found.includes(name)) continue;
            const value = resolveName(name, bag, defaults, readNow);
            if (value === undefined || value === null) found.push(name);
          }
          if (found.length > 0) {
            if (level === 'error') throw new MissingParametersError(found, 'required');
            missing = Object.freeze(found);
            if (level === 'warn') warnings = Object.freeze([`Missing required parameters: ${found.join(', ')}`]);
          }
        }
      }
    }

    const ops = this.#ops;
    const checks = this.#checks;
    let out = '';
    let unresolved: string[] | undefined;
    let listed: Uint8Array | undefined;
    // The value a section check found, reused by the variable op of that same occurrence.
    let checkedOccurrence = -1;
    let checkedValue: unknown;
    for (let k = 0; k < ops.length;) {
      const op = ops[k] as TemplateOp;
      out += op.prefix;
      if (op.kind === OP_VARIABLE) {
        const ref = op.ref as VariableRef;
        let value: unknown;
        if (op.occurrence === checkedOccurrence) {
          value = checkedValue;
        } else {
          // Fast path: a plain root name read from params; the full lookup only when the root
          // needs an own-property check, the path has more segments, or an absent root could
          // still come from defaults or a built-in.
          value = bag[ref.root];
          if (ref.slow || (value === undefined && (defaults !== undefined || ref.builtin !== BUILTIN_NONE))) {
            value = resolveRoot(ref, bag, defaults);
            if (value === NEEDS_CLOCK) value = builtinValue(ref.builtin, (now ??= readClock(clock)));
            if (ref.rest.length > 0) value = walkRest(ref, value);
          }
        }
        if (typeof value === 'string' ? hasStringValue(value) : hasValue(value)) {
          // Appending a number converts it exactly as String() does.
          out += typeof value === 'string' || typeof value === 'number' ? value : stringifyValue(value);
        } else if (!op.inSection) {
          out += op.source;
          // Distinct paths in text order; the flags keep this linear for many unresolved paths.
          if (unresolved === undefined) {
            unresolved = [];
            listed = new Uint8Array(this.#refs.length);
          }
          if ((listed as Uint8Array)[ref.index] === 0) {
            (listed as Uint8Array)[ref.index] = 1;
            unresolved.push(ref.path);
          }
        }
        k++;
      } else if (op.kind === OP_SECTION) {
        let keep = false;
        for (let c = op.checkStart; c < op.checkEnd; c++) {
          const ref = checks[c] as VariableRef;
          let value = bag[ref.root];
          if (ref.slow || (value === undefined && (defaults !== undefined || ref.builtin !== BUILTIN_NONE))) {
            value = resolveRoot(ref, bag, defaults);
            if (value === NEEDS_CLOCK) value = builtinValue(ref.builtin, (now ??= readClock(clock)));
            if (ref.rest.length > 0) value = walkRest(ref, value);
          }
          if (typeof value === 'string' ? hasStringValue(value) : hasValue(value)) {
            keep = true;
            checkedOccurrence = c;
            checkedValue = value;
            break;
          }
        }
        k = keep ? k + 1 : op.end;
      } else {
        k++;
      }
    }

    if (strict && unresolved !== undefined) {
      const failing = unresolved.filter((path) => !isListed(path, path.split('.')[0] as string, optional));
      if (failing.length > 0) throw new MissingParametersError(failing, 'unresolved');
    }
    return new TemplateRenderResult(
      out,
      missing,
      unresolved === undefined ? EMPTY : Object.freeze(unresolved),
      warnings,
      this.variables,
      this.#refs,
      bag,
      defaults,
      now,
      clock,
    );
  }
}

/**
 * Parses `template` once into a {@link CompiledTemplate}. For a string literal the params
 * type is inferred: variables outside sections are required keys, variables only inside
 * `(( … ))` are optional, built-ins are optional; other keys are allowed.
 * @throws {TemplateSyntaxError} listing every problem when the text breaks the grammar.
 */
export function compileTemplate<T extends string>(template: T): CompiledTemplate<TemplateParams<T>> {
  if (typeof template !== 'string') {
    throw new TemplateOptionsError(
      'template',
      `A template must be a string, got ${template === null ? 'null' : typeof template}.`,
    );
  }
  const outcome = parseTemplate(template);
  if (outcome.program === undefined) throw new TemplateSyntaxError(locateIssues(template, outcome.issues));
  return new TemplateProgramRenderer(template, outcome.program) as unknown as CompiledTemplate<TemplateParams<T>>;
}
