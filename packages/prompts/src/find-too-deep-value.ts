/** How deep values in a prompt file may nest (mappings and lists inside each other). */
export const maxPromptValueDepth = 64;

/** How many mappings, lists and scalars one prompt file may hold, aliases expanded. */
export const maxPromptValueNodes = 100_000;

interface Step {
  readonly value: unknown;
  readonly depth: number;
  readonly parent: Step | undefined;
  readonly key: string | number | undefined;
}

function pathOf(step: Step): (string | number)[] {
  const path: (string | number)[] = [];
  for (let current: Step | undefined = step; current?.key !== undefined; current = current.parent) {
    path.unshift(current.key);
  }
  return path;
}

/**
 * Walks a parsed value without recursion (so no depth can overflow the stack) and returns
 * where it first breaks the bounds: a value nested deeper than {@link maxPromptValueDepth}
 * (`path` leads to it), or more than {@link maxPromptValueNodes} nodes in all. `undefined`
 * when the value is within bounds.
 */
export function findTooDeepValue(
  value: unknown,
): { readonly path: (string | number)[]; readonly reason: 'depth' | 'size' } | undefined {
  const stack: Step[] = [{ value, depth: 0, parent: undefined, key: undefined }];
  let nodes = 0;
  while (stack.length > 0) {
    const step = stack.pop()!;
    if (++nodes > maxPromptValueNodes) return { path: pathOf(step), reason: 'size' };
    const current = step.value;
    if (typeof current !== 'object' || current === null) continue;
    if (step.depth >= maxPromptValueDepth) return { path: pathOf(step), reason: 'depth' };
    const entries: [string | number, unknown][] = Array.isArray(current)
      ? current.map((item, index) => [index, item])
      : Object.entries(current);
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, child] = entries[index]!;
      stack.push({ value: child, depth: step.depth + 1, parent: step, key });
    }
  }
  return undefined;
}
