import type { VariableRef } from './template-program.js';

type Bag = Readonly<Record<string, unknown>>;

/**
 * One render's view of the params object: the values of its enumerable keys in enumeration
 * order, and for each distinct variable (`VariableRef.index`) the position of its root among
 * them, or -1 when the root is not an enumerable key (then the root is read by name).
 */
export interface ParamsSnapshot {
  readonly values: readonly unknown[];
  readonly slots: Int32Array;
}

const NO_VALUES: readonly unknown[] = [];

/** Templates with fewer variable occurrences read by name: enumerating would cost more. */
const MIN_OCCURRENCES = 8;
/** Learning a shape again is refused when it happens on more than one read in this many. */
const THRASH_RATIO = 8;
/** Reads by name (no snapshot) after the reader gave up on a template, before it tries again. */
const BACK_OFF_READS = 4096;

/**
 * Reads the params of one compiled template without a keyed property read per variable.
 *
 * A keyed read `params[name]` whose name changes from one read to the next is slow in the
 * JavaScript engines (the read site sees many names, ~10 ns each). Enumerating the object
 * with `for … in` and reading `params[key]` inside the loop is fast (the engine reads the
 * fields by position). So the reader remembers the key order of the params object it saw
 * last (its "shape") and, for each variable, the position of the variable's root in it. On
 * the next render it enumerates the params again; when the keys come in the same order, the
 * values read by position are exactly `params[root]`, and the variables take theirs by
 * position. When the keys differ the shape is learnt again.
 *
 * Bounds: templates with fewer than 8 variable occurrences always read by name (there the
 * enumeration costs more than it saves); shapes with more than `2 × variables + 8` keys are not learnt (enumerating many
 * unused keys would cost more than it saves), and a template whose params keep changing
 * shape (a new shape on more than one render in eight, after 16 changes) goes back to keyed
 * reads for the next 4,096 renders. Either way the values are the same; only the speed
 * differs. No code is generated.
 */
export class ParamsReader {
  readonly #refs: readonly VariableRef[];
  readonly #byName: Int32Array;
  /** The snapshot that reads every root by name (no values). */
  readonly #byNameOnly: ParamsSnapshot;
  readonly #enabled: boolean;
  #keys: readonly string[] | undefined;
  #slots: Int32Array;
  #reads = 0;
  #learnt = 0;
  #backOff = 0;

  /** `occurrences`: how many variable occurrences the template has (the keyed reads saved). */
  constructor(refs: readonly VariableRef[], occurrences: number) {
    this.#refs = refs;
    this.#byName = new Int32Array(refs.length).fill(-1);
    this.#byNameOnly = { values: NO_VALUES, slots: this.#byName };
    this.#slots = this.#byName;
    this.#enabled = occurrences >= MIN_OCCURRENCES;
  }

  /** Enumerates `params` once; see the class comment. */
  read(params: Bag): ParamsSnapshot {
    if (!this.#enabled) return this.#byNameOnly;
    const keys = this.#keys;
    this.#reads++;
    if (keys !== undefined) {
      const values: unknown[] = [];
      let i = 0;
      for (const key in params) {
        if (key !== keys[i]) {
          i = -1;
          break;
        }
        values.push(params[key]);
        i++;
      }
      if (i === keys.length) return { values, slots: this.#slots };
    } else if (this.#backOff > 0) {
      this.#backOff--;
      return this.#byNameOnly;
    }
    return this.#learn(params);
  }

  #learn(params: Bag): ParamsSnapshot {
    const refs = this.#refs;
    this.#keys = undefined;
    this.#slots = this.#byName;

    if (++this.#learnt > 16 && this.#learnt * THRASH_RATIO > this.#reads) {
      this.#learnt = 0;
      this.#reads = 0;
      this.#backOff = BACK_OFF_READS;
      return this.#byNameOnly;
    }
    const limit = 2 * refs.length + 8;
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const key in params) {
      if (keys.length === limit) {
        this.#backOff = BACK_OFF_READS;
        return this.#byNameOnly;
      }
      keys.push(key);
      values.push(params[key]);
    }
    const position = new Map<string, number>();
    for (let k = 0; k < keys.length; k++) position.set(keys[k] as string, k);
    const slots = new Int32Array(refs.length);
    for (const ref of refs) slots[ref.index] = ref.rootOwnOnly ? -1 : (position.get(ref.root) ?? -1);
    this.#keys = keys;
    this.#slots = slots;
    return { values, slots };
  }
}
