const placeholderPattern = /(\\?)\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;

/** Thrown by {@link expandSections} when sections refer to each other in a loop. */
export interface SectionCycle {
  /** The loop, e.g. `['A', 'B', 'A']`. */
  readonly cycle: readonly string[];
}

/**
 * Replaces every `{{NAME}}` (any white space inside the braces) whose NAME is a section with
 * that section's text, recursively: sections may use other sections in any order. Other
 * variables stay for rendering; an escaped `\{{NAME}}` stays literal. Returns the expanded
 * text, or the cycle when sections refer to each other in a loop.
 */
export function expandSections(
  template: string,
  sections: Readonly<Record<string, string>>,
): { readonly text: string } | SectionCycle {
  const stack: string[] = [];
  let cycle: string[] | undefined;
  const expand = (text: string): string =>
    text.replace(placeholderPattern, (whole, escape: string, name: string) => {
      if (escape !== '' || cycle || !Object.hasOwn(sections, name)) return whole;
      if (stack.includes(name)) {
        cycle = [...stack.slice(stack.indexOf(name)), name];
        return whole;
      }
      stack.push(name);
      const expanded = expand(sections[name]!);
      stack.pop();
      return expanded;
    });
  const text = expand(template);
  return cycle ? { cycle } : { text };
}
