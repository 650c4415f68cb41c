const variablePattern = /(\\?)\{\{(\s*)([^{}\s]+)(\s*)\}\}/g;

/**
 * Wraps each `{{name}}` of `template` (every variable, or only those whose root name is in
 * `names`) in its own optional section `(({{name}}))`, so that a variable without a value
 * renders as nothing instead of being left verbatim, and an enclosing section without any
 * other value disappears. Escaped variables (`\{{name}}`) are left alone.
 *
 * Used for RAG placeholders (empty when RAG is off or found nothing) and RAG queries (a
 * missing param drops out of the query). Known limit: a variable written directly inside
 * single parentheses, `({{name}})`, loses those parentheses too when it is empty, because
 * the wrapped form `((({{name}})))` reads as one section.
 */
export function makeVariablesOptional(template: string, names?: ReadonlySet<string>): string {
  return template.replace(variablePattern, (whole, escape: string, _before: string, path: string) => {
    if (escape !== '') return whole;
    if (names && !names.has(path.split('.')[0] ?? path)) return whole;
    return `((${whole}))`;
  });
}
