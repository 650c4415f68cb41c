import type { RenderResult } from './render-result.js';
import { readClock } from './render-validation.js';
import { builtinValue, NEEDS_CLOCK, resolveRoot } from './resolve-variable.js';
import type { VariableRef } from './template-program.js';

type Bag = Readonly<Record<string, unknown>>;

/** The {@link RenderResult} a render returns; `paramsUsed` is computed on first access. */
export class TemplateRenderResult implements RenderResult {
  readonly #refs: readonly VariableRef[];
  readonly #params: Bag;
  readonly #defaults: Bag | undefined;
  #now: Date | undefined;
  readonly #clock: () => Date;
  #paramsUsed: Bag | undefined;

  constructor(
    readonly content: string,
    readonly missing: readonly string[],
    readonly unresolved: readonly string[],
    readonly warnings: readonly string[],
    readonly variables: readonly string[],
    refs: readonly VariableRef[],
    params: Bag,
    defaults: Bag | undefined,
    now: Date | undefined,
    clock: () => Date,
  ) {
    this.#refs = refs;
    this.#params = params;
    this.#defaults = defaults;
    this.#now = now;
    this.#clock = clock;
  }

  get paramsUsed(): Bag {
    if (this.#paramsUsed === undefined) {
      const used: Record<string, unknown> = {};
      for (const ref of this.#refs) {
        if (Object.hasOwn(used, ref.root)) continue;
        let value = resolveRoot(ref, this.#params, this.#defaults);
        if (value === NEEDS_CLOCK) value = builtinValue(ref.builtin, (this.#now ??= readClock(this.#clock)));
        if (value !== undefined) {
          Object.defineProperty(used, ref.root, { value, enumerable: true, writable: false, configurable: false });
        }
      }
      this.#paramsUsed = used;
    }
    return this.#paramsUsed;
  }

  /** A plain JSON-ready copy, `paramsUsed` included. */
  toJSON(): RenderResult {
    return {
      content: this.content,
      paramsUsed: this.paramsUsed,
      missing: this.missing,
      unresolved: this.unresolved,
      warnings: this.warnings,
      variables: this.variables,
    };
  }
}
