/** The root name of a variable path: `user` for `user.name`. */
export function rootOf(path: string): string {
  const dot = path.indexOf('.');
  return dot === -1 ? path : path.slice(0, dot);
}

/**
 * The value a render gives the variable `path` (`code`, `user.name`): from `params`, or from
 * `defaults` when the root param is absent; `undefined` when a step of the path is missing.
 */
export function paramValue(
  params: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<string, unknown>>,
  path: string,
): unknown {
  const root = rootOf(path);
  let value: unknown = params[root] === undefined ? defaults[root] : params[root];
  if (root === path) return value;
  for (const segment of path.slice(root.length + 1).split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
