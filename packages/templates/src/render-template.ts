import { compileTemplate } from './compile-template.js';
import type { CompiledTemplate } from './compile-template.js';
import type { RenderOptions } from './render-options.js';
import type { RenderResult } from './render-result.js';

/** Most compiled templates kept by {@link renderTemplate}. */
const CACHE_ENTRIES = 256;
/** Templates longer than this (UTF-16 code units) are compiled on every call, not cached. */
const CACHE_MAX_TEMPLATE_LENGTH = 1 << 20;

const cache = new Map<string, CompiledTemplate>();

/**
 * The compiled form of `template` from a bounded least-recently-used cache keyed by the
 * text (256 entries; templates over 1 Mi code units are not cached). Templates with syntax
 * errors are never cached.
 */
export function cachedTemplate(template: string): CompiledTemplate {
  const hit = cache.get(template);
  if (hit !== undefined) {
    // Re-insert to mark it most recently used.
    cache.delete(template);
    cache.set(template, hit);
    return hit;
  }
  const fresh: CompiledTemplate = compileTemplate<string>(template);
  if (template.length <= CACHE_MAX_TEMPLATE_LENGTH) {
    if (cache.size >= CACHE_ENTRIES) {
      const oldest = cache.keys().next();
      if (oldest.done !== true) cache.delete(oldest.value);
    }
    cache.set(template, fresh);
  }
  return fresh;
}

/**
 * Renders `template` with `params`: compiles it (once per distinct text, cached), then
 * renders the compiled form. See `SPEC.md` for the language.
 * @throws {TemplateSyntaxError} when the text breaks the grammar.
 * @throws {MissingParametersError} at validation level `'error'` when required params are
 *   missing, or with `strict: true` when variables stay unresolved.
 * @throws {TemplateOptionsError} when params or options have the wrong shape.
 */
export function renderTemplate(
  template: string,
  params?: Readonly<Record<string, unknown>> | null,
  options?: RenderOptions,
): RenderResult {
  return cachedTemplate(template).render(params, options);
}
