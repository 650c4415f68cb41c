import type { VariableRef } from './template-program.js';

type Bag = Readonly<Record<string, unknown>>;

/** The values `read` returns when the variables are to be read by name. */
export const BY_NAME: readonly unknown[] = [];
/** The slot of a root that is not an enumerable key of the params: absent, no read needed. */
const ABSENT = -1;
/** The slot of a root that is read by name (roots that must be own properties, and every root when reading by name). */
export const READ_BY_NAME = -2;
/** Learning a shape again is refused when it happens on more than one read in this many. */
const THRASH_RATIO = 8;
/** Reads by name after the reader gave up on a template, before it tries again. */
const BACK_OFF_READS = 4096;

/**
 * Reads the params of one compiled template without a keyed property read per variable.
 *
 * A keyed read `params[name]` whose name changes from one read to the next is slow in the
 * JavaScript engines (the read site sees many names: ~10 ns each, ~50 ns when the name is
 * missing). Enumerating the object with `for … in` and reading `params[key]` inside the loop
 * is fast (the engine reads the fields by position). So the reader remembers the key order
 * of the params object it saw last (its "shape") and, for each variable, the position of
 * the variable's root among those keys (`slots`), or {@link ABSENT} when the root is not one
 * of them. On the next render it enumerates the params again; when the keys come in the
 * same order, the values read by position are exactly the enumerable properties of params
 * (SPEC.md rule 4.1), and a root that is not among them is absent without being read. When
 * the keys differ the shape is learnt again.
 *
 * Bounds: shapes with more than `2 × variables + 8` keys are not learnt (enumerating many
 * unused keys would cost more than it saves), and a template whose params keep changing
 * shape (a new shape on more than one render in eight, after 16 changes) stops learning
 * for the next 4,096 renders. Then, and for a render started by a getter while the params
 * are being enumerated, `read` returns {@link BY_NAME} and each root is read by name with
 * the same rule (`readParam`). Either way the values are the same; only the speed differs.
 * No code is generated.
 */
export class ParamsReader {
  readonly #refs: readonly VariableRef[];
  /** Per distinct variable (`VariableRef.index`): the position of its root among the values. */
  slots: Int32Array;
  /** The slots to use when `read` returned {@link BY_NAME}: every root read by name. */
  readonly byName: Int32Array;
  /**
   * After a {@link read} by position: whether every key some plain-name variable reads held
   * a string that starts with a visible ASCII character, or a number (values that have a
   * value and are inserted as they are, so a render needs no further check on them).
   */
  plain = false;
  #keys: readonly string[] | undefined;
  /** Per key of the shape: 1 when a plain-name variable reads it. */
  #read: Uint8Array = new Uint8Array(0);
  #busy = false;
  #reads = 0;
  #learnt = 0;
  #backOff = 0;

  constructor(refs: readonly VariableRef[]) {
    this.#refs = refs;
    this.byName = new Int32Array(refs.length).fill(READ_BY_NAME);
    this.slots = this.byName;
  }

  /**
   * The values of `params` by position for {@link slots} (read `slots` after this call), or
   * {@link BY_NAME} when the variables are to be read by name (then use {@link byName}).
   */
  read(params: Bag): readonly unknown[] {
    if (this.#busy || this.#refs.length === 0) return BY_NAME;
    const keys = this.#keys;
    this.#reads++;
    if (keys === undefined && this.#backOff > 0) {
      this.#backOff--;
      return BY_NAME;
    }
    this.#busy = true;
    try {
      if (keys !== undefined) {
        const read = this.#read;
        const values = new Array<unknown>(keys.length);
        let plain = true;
        let i = 0;
        for (const key in params) {
          if (key !== keys[i]) {
            i = -1;
            break;
          }
          const value = params[key];
          values[i] = value;
          if (
            read[i] === 1 &&
            (typeof value === 'string'
              ? value.length === 0 || value.charCodeAt(0) <= 32 || value.charCodeAt(0) >= 127
              : typeof value !== 'number')
          ) {
            plain = false;
          }
          i++;
        }
        if (i === keys.length) {
          this.plain = plain;
          return values;
        }
      }
      return this.#learn(params);
    } finally {
      this.#busy = false;
    }
  }

  #learn(params: Bag): readonly unknown[] {
    const refs = this.#refs;
    this.#keys = undefined;
    if (++this.#learnt > 16 && this.#learnt * THRASH_RATIO > this.#reads) {
      this.#learnt = 0;
      this.#reads = 0;
      this.#backOff = BACK_OFF_READS;
      return BY_NAME;
    }
    const limit = 2 * refs.length + 8;
    const keys: string[] = [];
    const values: unknown[] = [];
    for (const key in params) {
      if (keys.length === limit) {
        this.#backOff = BACK_OFF_READS;
        return BY_NAME;
      }
      keys.push(key);
      values.push(params[key]);
    }
    const position = new Map<string, number>();
    for (let k = 0; k < keys.length; k++) position.set(keys[k] as string, k);
    const slots = new Int32Array(refs.length);
    for (const ref of refs) slots[ref.index] = ref.rootOwnOnly ? READ_BY_NAME : (position.get(ref.root) ?? ABSENT);
    const read = new Uint8Array(keys.length);
    for (const ref of refs) if (ref.direct && (slots[ref.index] as number) >= 0) read[slots[ref.index] as number] = 1;
    // Learning reads the values once; the next read by position tells whether they are plain.
    this.plain = false;
    this.#read = read;
    this.#keys = keys;
    this.slots = slots;
    return values;
  }
}
