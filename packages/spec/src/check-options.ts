import { closestNames } from './closest-names.js';
import { InvalidOptionsError } from './invalid-options-error.js';

function toCamelCase(name: string): string {
  return name.replace(/[_-]+([a-zA-Z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Throws {@link InvalidOptionsError} when `options` (a plain object, or `undefined`) has a
 * key that is not in `known`, naming the likely intended option: the camelCase form of a
 * snake_case or kebab-case name (`echo_prefix` → `echoPrefix`), else the closest known
 * name by edit distance. Keys whose value is `undefined` are accepted, so spreading
 * optional values stays easy. A non-object `options` is refused too.
 */
export function checkOptions(component: string, options: unknown, known: readonly string[]): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidOptionsError({
      component,
      unknown: [],
      suggestions: {},
      message: `${component} expects an options object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}.`,
    });
  }
  let unknown: string[] | undefined;
  for (const key of Object.keys(options)) {
    if (!known.includes(key) && (options as Record<string, unknown>)[key] !== undefined) (unknown ??= []).push(key);
  }
  if (unknown === undefined) return;
  const suggestions: Record<string, string> = {};
  const described = unknown.map((key) => {
    const camel = toCamelCase(key);
    const suggestion = known.includes(camel) ? camel : closestNames(key, known, 1)[0];
    if (suggestion !== undefined) suggestions[key] = suggestion;
    return suggestion === undefined ? `\`${key}\`` : `\`${key}\` (did you mean \`${suggestion}\`?)`;
  });
  throw new InvalidOptionsError({
    component,
    unknown,
    suggestions,
    message: `${component} does not know the option${unknown.length === 1 ? '' : 's'} ${described.join(', ')}. Known options: ${known.map((name) => `\`${name}\``).join(', ')}.`,
  });
}
