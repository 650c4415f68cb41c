import { parseTemplate } from './parse-template.js';
import type { RenderOptions } from './render-options.js';
import { TemplateProgramRenderer } from './render-program.js';
import type { RenderResult } from './render-result.js';
import { locateIssues } from './source-location.js';
import { TemplateOptionsError } from './template-options-error.js';
import type { TemplateParams } from './template-params.js';
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
