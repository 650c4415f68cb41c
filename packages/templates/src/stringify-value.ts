/**
 * Turns a value into the text a template inserts: strings as they are; numbers, bigints and
 * booleans with `String`; a `Date` as ISO 8601 (`Invalid Date` when invalid); an array as its
 * elements stringified by these rules (`null`/`undefined` elements as the empty string) and
 * joined with `, `; anything else as JSON (bigints inside as their digits), falling back to
 * `String(value)` when JSON cannot represent it (functions, symbols, cycles).
 */
export function stringifyValue(value: unknown): string {
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
      if (Array.isArray(value)) return stringifyArray(value, []);
      if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
      return stringifyObject(value as object);
  }
}

function stringifyArray(array: readonly unknown[], seen: unknown[]): string {
  if (seen.includes(array)) return '[Circular]';
  seen.push(array);
  let out = '';
  for (let k = 0; k < array.length; k++) {
    if (k > 0) out += ', ';
    const element = array[k];
    out += Array.isArray(element) ? stringifyArray(element, seen) : stringifyValue(element);
  }
  seen.pop();
  return out;
}

function bigintAsText(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}

function stringifyObject(value: object): string {
  try {
    const json = JSON.stringify(value, bigintAsText) as string | undefined;
    if (json !== undefined) return json;
  } catch {
    // Cycles and throwing toJSON methods fall through to the plain form.
  }
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
