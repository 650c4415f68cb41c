import type { CompiledTemplate } from './compile-template.js';
import { hasStringValue, hasValue } from './has-value.js';
import { MissingParametersError } from './missing-parameters-error.js';
import { BY_NAME, ParamsReader } from './params-reader.js';
import type { RenderOptions } from './render-options.js';
import { fastSlots, RenderPlans } from './render-plan.js';
import type { RenderPlan } from './render-plan.js';
import type { RenderResult } from './render-result.js';
import { checkBag, DEFAULT_SETTINGS, renderSettings } from './render-settings.js';
import type { RenderSettings } from './render-settings.js';
import { concludeRender, namesWithoutValue, readClock } from './render-validation.js';
import type { ClockReading } from './render-validation.js';
import { builtinValue, readDefault, readParam, walkRest } from './resolve-variable.js';
import { stringifyValueAt } from './stringify-value.js';
import type { TemplateOp, TemplateProgram, VariableRef } from './template-program.js';
import { TemplateRenderResult } from './template-render-result.js';

type Bag = Readonly<Record<string, unknown>>;

const EMPTY: readonly string[] = Object.freeze([]);

/** What the slower paths of one render share: the clock reading and the unresolved paths. */
class RenderState implements ClockReading {
  now: Date | undefined = undefined;
  unresolved: string[] | undefined = undefined;
  #listed: Uint8Array | undefined;

  constructor(
    readonly clock: () => Date,
    readonly refCount: number,
  ) {}

  /** Records `ref` as left verbatim (distinct paths in text order, linear however many). */
  unresolve(ref: VariableRef): void {
    this.#listed ??= new Uint8Array(this.refCount);
    if (this.#listed[ref.index] === 0) {
      this.#listed[ref.index] = 1;
      (this.unresolved ??= []).push(ref.path);
    }
  }
}

/**
 * The full value of `ref` by the rules of SPEC.md section 4: the root from the params
 * snapshot at its slot (`ParamsReader`: -1 means not an enumerable key, -2 read by name),
 * then the default and the built-in, then the rest of the path.
 */
function fullValue(
  ref: VariableRef,
  params: Bag,
  values: readonly unknown[],
  slots: Int32Array,
  defaults: Bag | undefined,
  state: RenderState,
): unknown {
  const slot = slots[ref.index] as number;
  let value = slot >= 0 ? values[slot] : slot === -1 ? undefined : readParam(params, ref.root, ref.rootOwnOnly);
  if (value === undefined) {
    if (defaults !== undefined) value = readDefault(defaults, ref.root, ref.rootOwnOnly);
    if (value === undefined && ref.builtin !== 0)
      value = builtinValue(ref.builtin, (state.now ??= readClock(state.clock)));
  }
  return ref.rest.length === 0 ? value : walkRest(ref, value);
}

/** Appends the text of the variable `op` to `out` by the rules of SPEC.md section 6 (any value). */
function emitValue(out: string, op: TemplateOp, value: unknown, state: RenderState): string {
  if (value === undefined || value === null) {
    if (op.inSection) return out;
    state.unresolve(op.ref as VariableRef);
    return out + op.source;
  }
  // A given but empty value (blank string, []) renders as nothing, in or out of sections.
  if (typeof value === 'string' ? !hasStringValue(value) : !hasValue(value)) return out;
  return out + stringifyValueAt(value, (op.ref as VariableRef).path);
}

/**
 * The text of `plan` when every variable it emits has a slot (`RenderPlan.complete`) and
 * every value at those slots is a plain string or a number (`ParamsReader.plain`).
 */
function emitComplete(plan: RenderPlan, values: readonly unknown[]): string {
  const after = plan.after;
  const slots = plan.slots;
  let out = plan.first;
  for (let i = 0; i < slots.length; i++) {
    const value = values[slots[i] as number];
    // Appending a number converts it exactly as String() does.
    if (typeof value === 'string') out += value;
    else out += value as number;
    out += after[i] as string;
  }
  return out;
}

/**
 * The compiled form: a flat op list, rendered in two passes without code generation.
 * First the sections are decided (a forward scan of the variable occurrences, so each is
 * looked at a bounded number of times however deep sections nest); then the plan for that
 * choice of sections (`RenderPlans`, built once per choice) is emitted: static text joined
 * across section boundaries, and the variables. Values come from the params snapshot by
 * position (`ParamsReader`); the loops handle plain strings and numbers inline and hand
 * every other case to `fullValue` / `emitValue`.
 */
export class TemplateProgramRenderer implements CompiledTemplate<Record<string, unknown>> {
  readonly source: string;
  readonly variables: readonly string[];
  readonly #checks: readonly VariableRef[];
  readonly #refs: readonly VariableRef[];
  readonly #reader: ParamsReader;
  readonly #plans: RenderPlans;
  #checkSlots: Int32Array;
  #checkSlotsFor: Int32Array | undefined;
  /** Whether every section checks plain-name variables only (see {@link ParamsReader.plain}). */
  readonly #checksDirect: boolean;
  /** The plan of the params shape `#shapePlanFor` when its values are plain and there are no defaults. */
  #shapePlan: RenderPlan | undefined;
  #shapePlanFor: Int32Array | undefined;

  constructor(source: string, program: TemplateProgram) {
    this.source = source;
    this.#checks = program.checks;
    this.#refs = program.refs;
    this.#reader = new ParamsReader(program.refs);
    this.#plans = new RenderPlans(program.ops);
    this.#checkSlots = new Int32Array(program.checks.length);
    this.#checkSlotsFor = undefined;
    this.#checksDirect = program.checks.every((ref) => ref.direct);
    this.#shapePlan = undefined;
    this.#shapePlanFor = undefined;
    this.variables = Object.freeze(program.refs.map((ref) => ref.path));
  }

  render(params?: Record<string, unknown> | null, options?: RenderOptions): RenderResult {
    if (options !== undefined) return this.#renderWith(renderSettings(options), params);
    const bag = checkBag(params, 'params');
    const reader = this.#reader;
    const values = reader.read(bag);
    // The common case, kept small so that it stays fast however many other templates and
    // params shapes the process renders: the params have the shape whose sections were
    // decided last time (`#shapePlan`) and every variable the plan emits has its value in the
    // snapshot, a plain string or number.
    if (values !== BY_NAME && reader.plain && this.#shapePlanFor === reader.slots) {
      const plan = this.#shapePlan as RenderPlan;
      if (plan.slotsFor === reader.slots && plan.complete) {
        return new TemplateRenderResult(
          emitComplete(plan, values),
          EMPTY,
          EMPTY,
          EMPTY,
          this.variables,
          this.#refs,
          bag,
          undefined,
          undefined,
          DEFAULT_SETTINGS.clock,
        );
      }
    }
    return this.#renderValues(bag, values, DEFAULT_SETTINGS, EMPTY, EMPTY, undefined);
  }

  /** {@link render} with options: the validation lists are checked before the params are read. */
  #renderWith(settings: RenderSettings, params: Record<string, unknown> | null | undefined): RenderResult {
    const bag = checkBag(params, 'params');
    let state: RenderState | undefined;
    let missing = EMPTY;
    let optionalMissing = EMPTY;
    if (settings !== DEFAULT_SETTINGS) {
      state = new RenderState(settings.clock, this.#refs.length);
      missing = namesWithoutValue(settings.required, bag, settings.defaults, state);
      if (missing.length > 0 && settings.level === 'error') throw new MissingParametersError(missing, 'required');
      if (settings.level !== 'ignore') {
        optionalMissing = namesWithoutValue(settings.optional, bag, settings.defaults, state);
      }
    }
    return this.#renderValues(bag, this.#reader.read(bag), settings, missing, optionalMissing, state);
  }

  /** Renders once the params are read (`values`, from `ParamsReader.read`): every case. */
  #renderValues(
    bag: Bag,
    values: readonly unknown[],
    settings: RenderSettings,
    missing: readonly string[],
    optionalMissing: readonly string[],
    reading: RenderState | undefined,
  ): RenderResult {
    const defaults = settings.defaults;
    const state = reading ?? new RenderState(settings.clock, this.#refs.length);
    const reader = this.#reader;
    const slots = values === BY_NAME ? reader.byName : reader.slots;
    // Plain values (ParamsReader.plain) all have a value, and without defaults an absent one
    // has none: then the sections kept depend only on the params shape, decided once.
    const plain = values !== BY_NAME && reader.plain;
    let plan: RenderPlan;
    if (plain && defaults === undefined && this.#checksDirect) {
      if (this.#shapePlanFor === slots) {
        plan = this.#shapePlan as RenderPlan;
      } else {
        plan = this.#decide(bag, values, slots, defaults, state);
        this.#shapePlan = plan;
        this.#shapePlanFor = slots;
      }
    } else {
      plan = this.#decide(bag, values, slots, defaults, state);
    }
    if (plan.slotsFor !== slots) plan.bind(slots);

    // Emit: static text, then each variable and the text after it.
    const after = plan.after;
    const fast = plan.slots;
    const count = fast.length;
    let out = plan.first;
    if (plain) {
      // Every value at a slot is a plain string or a number: appended as it is.
      for (let i = 0; i < count; i++) {
        const slot = fast[i] as number;
        if (slot >= 0) {
          const value = values[slot];
          if (typeof value === 'string') out += value;
          else out += value as number;
        } else {
          const op = plan.vars[i] as TemplateOp;
          out = emitValue(out, op, fullValue(op.ref as VariableRef, bag, values, slots, defaults, state), state);
        }
        out += after[i] as string;
      }
    } else {
      for (let i = 0; i < count; i++) {
        const slot = fast[i] as number;
        const value = slot >= 0 ? values[slot] : undefined;
        if (typeof value === 'string' && value.length !== 0 && value.charCodeAt(0) > 32 && value.charCodeAt(0) < 127) {
          out += value;
        } else if (typeof value === 'number') {
          // Appending a number converts it exactly as String() does.
          out += value;
        } else {
          const op = plan.vars[i] as TemplateOp;
          const full =
            value === undefined ? fullValue(op.ref as VariableRef, bag, values, slots, defaults, state) : value;
          out = emitValue(out, op, full, state);
        }
        out += after[i] as string;
      }
    }

    const unresolved = state.unresolved === undefined ? EMPTY : Object.freeze(state.unresolved);
    let warnings = EMPTY;
    if (unresolved.length > 0 || missing.length > 0 || optionalMissing.length > 0) {
      warnings = concludeRender(settings, missing, optionalMissing, unresolved);
    }
    return new TemplateRenderResult(
      out,
      missing,
      unresolved,
      warnings,
      this.variables,
      this.#refs,
      bag,
      defaults,
      state.now,
      state.clock,
    );
  }

  /**
   * Decides the sections and returns the plan of that choice. `hit` is the first occurrence
   * with a value at or after the last checked section's start, and every occurrence before
   * `scanned` from that start on (other than `hit`) has none, so the scan only moves forwards.
   */
  #decide(
    bag: Bag,
    values: readonly unknown[],
    slots: Int32Array,
    defaults: Bag | undefined,
    state: RenderState,
  ): RenderPlan {
    const plans = this.#plans;
    const table = plans.table;
    const count = plans.count;
    if (count === 0) return plans.planOf(0);
    const checks = this.#checks;
    if (this.#checkSlotsFor !== slots) {
      this.#checkSlots = fastSlots(checks, slots, this.#checkSlots);
      this.#checkSlotsFor = slots;
    }
    const fast = this.#checkSlots;
    let choice = 0;
    const choices = plans.words > 1 ? new Array<number>(plans.words).fill(0) : undefined;
    let hit = -1;
    let scanned = 0;
    for (let j = 0; j < count;) {
      const start = table[3 * j] as number;
      const end = table[3 * j + 1] as number;
      let keep = false;
      if (hit >= start) {
        keep = hit < end;
      } else {
        for (let c = start > scanned ? start : scanned; c < end; c++) {
          const slot = fast[c] as number;
          let value = slot >= 0 ? values[slot] : undefined;
          if (value === undefined && (slot !== -1 || defaults !== undefined)) {
            value = fullValue(checks[c] as VariableRef, bag, values, slots, defaults, state);
          }
          if (
            typeof value === 'string'
              ? value.length !== 0 && ((value.charCodeAt(0) > 32 && value.charCodeAt(0) < 127) || hasStringValue(value))
              : hasValue(value)
          ) {
            keep = true;
            hit = c;
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
      if (keep) {
        if (choices === undefined) choice |= 1 << j;
        else choices[Math.floor(j / 31)] = (choices[Math.floor(j / 31)] as number) | (1 << (j % 31));
        j++;
      } else {
        j = table[3 * j + 2] as number;
      }
    }
    return choices === undefined ? plans.planOf(choice) : plans.planOfWords(choices);
  }
}
