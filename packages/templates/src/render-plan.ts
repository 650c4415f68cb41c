import { READ_BY_NAME } from './params-reader.js';
import { OP_SECTION, OP_VARIABLE } from './template-program.js';
import type { TemplateOp, VariableRef } from './template-program.js';

/**
 * What a render emits once it knows which sections it keeps: the text between the emitted
 * variables, every piece of static text in a row joined into one string (section boundaries
 * included), so the render appends `texts[0]`, then for each `vars[i]` its value and
 * `texts[i + 1]`.
 */
export class RenderPlan {
  readonly texts: readonly string[];
  /** `texts[0]`. */
  readonly first: string;
  /** The text after each variable: `texts` from the second on. */
  readonly after: readonly string[];
  readonly vars: readonly TemplateOp[];
  /** Per variable, where its value is in the params snapshot (see {@link fastSlots}). */
  slots: Int32Array;
  /** The params shape `slots` was made for. */
  slotsFor: Int32Array | undefined;
  /** Whether every variable has a slot (0 or more) in `slots`: its value is in the snapshot. */
  complete: boolean;
  /** The variables' references, in `vars` order. */
  readonly #refs: readonly VariableRef[];

  constructor(texts: readonly string[], vars: readonly TemplateOp[]) {
    this.texts = texts;
    this.first = texts[0] as string;
    this.after = texts.slice(1);
    this.vars = vars;
    this.#refs = vars.map((op) => op.ref as VariableRef);
    this.slots = new Int32Array(vars.length);
    this.slotsFor = undefined;
    this.complete = false;
  }

  /** Points {@link slots} at the params shape `shape` (`ParamsReader.slots` or `byName`). */
  bind(shape: Int32Array): void {
    const slots = fastSlots(this.#refs, shape, this.slots);
    let complete = true;
    for (let k = 0; k < slots.length; k++) if ((slots[k] as number) < 0) complete = false;
    this.slotsFor = shape;
    this.complete = complete;
  }
}

/**
 * `text` as one sequential string: a copy when it is longer than the strings the engines
 * copy on every append anyway (a slice of the template or a join of several pieces would
 * otherwise be walked again each time a rendered result is flattened).
 */
function sequential(text: string): string {
  return text.length < 16 ? text : (JSON.parse(JSON.stringify(text)) as string);
}

/** Plans kept per template; beyond that the oldest is replaced. */
const PLANS_KEPT = 8;

/**
 * For each of `refs`, its slot in a params snapshot with the shape `shape`
 * (`ParamsReader.slots`) when the value there is the variable's whole value (a plain root
 * name, not a built-in, not an own-only name), else {@link READ_BY_NAME}: a render takes a
 * value from the snapshot only when the slot is 0 or more, and resolves it fully otherwise.
 */
export function fastSlots(refs: readonly VariableRef[], shape: Int32Array, into: Int32Array): Int32Array {
  for (let k = 0; k < refs.length; k++) {
    const ref = refs[k] as VariableRef;
    into[k] = ref.direct ? (shape[ref.index] as number) : READ_BY_NAME;
  }
  return into;
}

/**
 * The sections of a program in text order and the emit plans of the section choices seen
 * so far. A choice is a bit set over the sections in text order (bit `j` set: section `j`
 * was kept; sections inside a dropped one have their bit clear), in 31-bit words.
 */
export class RenderPlans {
  /**
   * Per section in text order, three numbers: its first and end variable occurrence, and
   * the index of the section where a render resumes when it drops this one.
   */
  readonly table: Int32Array;
  /** How many sections. */
  readonly count: number;
  /** How many 31-bit words a choice takes. */
  readonly words: number;
  readonly #ops: readonly TemplateOp[];
  readonly #sectionOps: readonly TemplateOp[];
  readonly #keys: (readonly number[])[] = [];
  readonly #plans: RenderPlan[] = [];
  #replace = 0;
  #lastChoice = -1;
  #lastPlan: RenderPlan | undefined;

  constructor(ops: readonly TemplateOp[]) {
    this.#ops = ops;
    const at: number[] = [];
    for (let k = 0; k < ops.length; k++) if ((ops[k] as TemplateOp).kind === OP_SECTION) at.push(k);
    this.#sectionOps = at.map((k) => ops[k] as TemplateOp);
    this.count = at.length;
    this.table = new Int32Array(3 * at.length);
    for (let j = 0; j < at.length; j++) {
      const op = this.#sectionOps[j] as TemplateOp;
      let next = j + 1;
      while (next < at.length && (at[next] as number) < op.end) next++;
      this.table[3 * j] = op.checkStart;
      this.table[3 * j + 1] = op.checkEnd;
      this.table[3 * j + 2] = next;
    }
    this.words = Math.max(1, Math.ceil(at.length / 31));
  }

  /** The plan of a choice that fits one word (`words === 1`). */
  planOf(choice: number): RenderPlan {
    if (choice === this.#lastChoice) return this.#lastPlan as RenderPlan;
    let plan: RenderPlan | undefined;
    const known = this.#keys;
    for (let p = 0; p < known.length && plan === undefined; p++) {
      if ((known[p] as readonly number[])[0] === choice) plan = this.#plans[p];
    }
    plan ??= this.#remember([choice]);
    this.#lastChoice = choice;
    this.#lastPlan = plan;
    return plan;
  }

  /** The plan of a choice of several words; `choice` must not change afterwards. */
  planOfWords(choice: readonly number[]): RenderPlan {
    const known = this.#keys;
    search: for (let p = 0; p < known.length; p++) {
      const candidate = known[p] as readonly number[];
      for (let w = 0; w < choice.length; w++) if (candidate[w] !== choice[w]) continue search;
      return this.#plans[p] as RenderPlan;
    }
    return this.#remember(choice);
  }

  #remember(choice: readonly number[]): RenderPlan {
    const plan = this.#build(choice);
    if (this.#keys.length < PLANS_KEPT) {
      this.#keys.push(choice);
      this.#plans.push(plan);
    } else {
      this.#keys[this.#replace] = choice;
      this.#plans[this.#replace] = plan;
      this.#replace = (this.#replace + 1) % PLANS_KEPT;
    }
    return plan;
  }

  #build(choice: readonly number[]): RenderPlan {
    const ops = this.#ops;
    const texts: string[] = [];
    const vars: TemplateOp[] = [];
    let text = '';
    let section = 0;
    for (let k = 0; k < ops.length;) {
      const op = ops[k] as TemplateOp;
      text += op.prefix;
      if (op.kind === OP_VARIABLE) {
        texts.push(sequential(text));
        vars.push(op);
        text = '';
        k++;
      } else if (op.kind === OP_SECTION) {
        // Sections are met in text order; a dropped one is skipped with everything inside.
        while (this.#sectionOps[section] !== op) section++;
        const kept = (((choice[Math.floor(section / 31)] as number) >>> (section % 31)) & 1) === 1;
        k = kept ? k + 1 : op.end;
      } else {
        k++;
      }
    }
    texts.push(sequential(text));
    return new RenderPlan(texts, vars);
  }
}
