import { TemplateValueError } from './template-value-error.js';

/**
 * Turns a value into the text a template inserts: strings as they are; numbers, bigints and
 * booleans with `String`; a `Date` as ISO 8601 (`Invalid Date` when invalid); an array as its
 * elements stringified by these rules (`null`/`undefined` elements as the empty string) and
 * joined with `, `, at any depth of nesting; anything else as JSON (bigints inside as their
 * digits), falling back to `String(value)` when JSON cannot represent it (functions, cycles).
 * @throws {TemplateValueError} when an object is nested too deeply for `JSON.stringify`.
 */
export function stringifyValue(value: unknown): string {
  return stringifyValueAt(value, undefined);
}

/** {@link stringifyValue} for the variable `path` (named by the error when it fails). */
export function stringifyValueAt(value: unknown, path: string | undefined): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'number':
    case 'bigint':
    case 'boolean':
      return String(value);
    case 'undefined':
      return '';
    case 'symbol':
      return value.toString();
    default:
      if (value === null) return '';
      if (Array.isArray(value)) return stringifyArray(value, path);
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
      return stringifyObject(value as object, path);
  }
}

/** Arrays on the walk's path are looked up in a set once the path is this deep. */
const SET_DEPTH = 16;

/**
 * Flattens an array without recursion (so any depth works): a depth-first walk with an
 * explicit stack. An array met again while it is still being walked is `[Circular]`.
 */
function stringifyArray(root: readonly unknown[], path: string | undefined): string {
  const arrays: (readonly unknown[])[] = [root];
  const next: number[] = [0];
  let onPath: Set<unknown> | undefined;
  let out = '';
  while (arrays.length > 0) {
    const depth = arrays.length - 1;
    const array = arrays[depth] as readonly unknown[];
    const k = next[depth] as number;
    if (k >= array.length) {
      arrays.pop();
      next.pop();
      onPath?.delete(array);
      continue;
    }
    next[depth] = k + 1;
    if (k > 0) out += ', ';
    const element = array[k];
    if (!Array.isArray(element)) {
      out += stringifyValueAt(element, path);
    } else if (depth < SET_DEPTH ? arrays.includes(element) : (onPath ??= new Set(arrays)).has(element)) {
      out += '[Circular]';
    } else {
      arrays.push(element);
      next.push(0);
      onPath?.add(element);
    }
  }
  return out;
}

function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function stringifyObject(value: object, path: string | undefined): string {
  try {
    const json = JSON.stringify(value, bigintAsText) as string | undefined;
    if (json !== undefined) return json;
  } catch (error) {
    // Stack exhaustion: the object is nested too deeply to be written as JSON.
    if (error instanceof RangeError) throw new TemplateValueError(path, error);
    // Cycles and throwing toJSON methods fall through to the plain form.
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
