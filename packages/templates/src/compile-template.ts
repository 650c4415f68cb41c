import { hasStringValue, hasValue } from './has-value.js';
import { MissingParametersError } from './missing-parameters-error.js';
import { ParamsReader } from './params-reader.js';
import { parseTemplate } from './parse-template.js';
import type { RenderOptions } from './render-options.js';
import type { RenderResult } from './render-result.js';
import { checkBag, DEFAULT_SETTINGS, renderSettings } from './render-settings.js';
import { concludeRender, namesWithoutValue, readClock } from './render-validation.js';
import type { ClockReading } from './render-validation.js';
import { builtinValue, lookupValue, NEEDS_CLOCK, walkRest } from './resolve-variable.js';
import { locateIssues } from './source-location.js';
import { stringifyValueAt } from './stringify-value.js';
import { TemplateOptionsError } from './template-options-error.js';
import { OP_SECTION, OP_VARIABLE } from './template-program.js';
import type { TemplateOp, TemplateProgram, VariableRef } from './template-program.js';
import type { TemplateParams } from './template-params.js';
import { TemplateRenderResult } from './template-render-result.js';
import { TemplateSyntaxError } from './template-syntax-error.js';

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

/** The compiled form: a flat op list rendered by one loop. No code generation. */
class TemplateProgramRenderer implements CompiledTemplate<Record<string, unknown>> {
  readonly source: string;
  readonly variables: readonly string[];
  readonly #ops: readonly TemplateOp[];
  readonly #checks: readonly VariableRef[];
  readonly #refs: readonly VariableRef[];
  readonly #reader: ParamsReader;

  constructor(source: string, program: TemplateProgram) {
    this.source = source;
    this.#ops = program.ops;
    this.#checks = program.checks;
    this.#refs = program.refs;
    this.#reader = new ParamsReader(program.refs, program.checks.length);
    this.variables = Object.freeze(program.refs.map((ref) => ref.path));
  }

  render(params?: Record<string, unknown> | null, options?: RenderOptions): RenderResult {
    const settings = options === undefined ? DEFAULT_SETTINGS : renderSettings(options);
    const bag = checkBag(params, 'params');
    const defaults = settings.defaults;
    const clock = settings.clock;
    let now: Date | undefined;
    let missing = EMPTY;
    let optionalMissing = EMPTY;
    if (settings !== DEFAULT_SETTINGS) {
      const reading: ClockReading = { clock, now: undefined };
      missing = namesWithoutValue(settings.required, bag, defaults, reading);
      if (missing.length > 0 && settings.level === 'error') throw new MissingParametersError(missing, 'required');
      if (settings.level !== 'ignore') optionalMissing = namesWithoutValue(settings.optional, bag, defaults, reading);
      now = reading.now;
    }

    const snapshot = this.#reader.read(bag);
    const ops = this.#ops;
    const checks = this.#checks;
    let out = '';
    let unresolved: string[] | undefined;
    let listed: Uint8Array | undefined;
    // Section checks scan the variable occurrences (`checks`) forwards only, so a render
    // looks each occurrence up at most twice however deep sections nest: `hit` is the
    // first occurrence with a value at or after the last checked section's start, and every
    // occurrence before `scanned` from that start on (other than `hit`) has none.
    let hit = -1;
    let hitValue: unknown;
    let scanned = 0;
    for (let k = 0; k < ops.length;) {
      const op = ops[k] as TemplateOp;
      out += op.prefix;
      if (op.kind === OP_VARIABLE) {
        const ref = op.ref as VariableRef;
        let value = op.occurrence === hit ? hitValue : lookupValue(ref, bag, snapshot, defaults);
        if (typeof value === 'symbol' && value === NEEDS_CLOCK)
          value = walkRest(ref, builtinValue(ref.builtin, (now ??= readClock(clock))));
        if (typeof value === 'string') {
          // A blank string is given but empty: it renders as nothing, in or out of sections.
          if (hasStringValue(value)) out += value;
        } else if (typeof value === 'number') {
          // Appending a number converts it exactly as String() does.
          out += value;
        } else if (value === undefined || value === null) {
          if (!op.inSection) {
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
        } else if (hasValue(value)) {
          out += stringifyValueAt(value, ref.path);
        }
        k++;
      } else if (op.kind === OP_SECTION) {
        const start = op.checkStart;
        const end = op.checkEnd;
        let keep = false;
        if (hit >= start) {
          keep = hit < end;
        } else {
          for (let c = start > scanned ? start : scanned; c < end; c++) {
            const ref = checks[c] as VariableRef;
            let value = lookupValue(ref, bag, snapshot, defaults);
            if (typeof value === 'symbol' && value === NEEDS_CLOCK)
              value = walkRest(ref, builtinValue(ref.builtin, (now ??= readClock(clock))));
            if (typeof value === 'string' ? hasStringValue(value) : hasValue(value)) {
              keep = true;
              hit = c;
              hitValue = value;
              break;
            }
          }
          if (keep) {
            scanned = hit + 1;
          } else {
            hit = -1;
            if (end > scanned) scanned = end;
          }
        }
        k = keep ? k + 1 : op.end;
      } else {
        k++;
      }
    }

    let warnings = EMPTY;
    if (unresolved !== undefined || missing.length > 0 || optionalMissing.length > 0) {
      warnings = concludeRender(settings, missing, optionalMissing, unresolved ?? EMPTY);
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
