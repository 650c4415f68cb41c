/** The first thing wrong with a JSON text: where, and what. */
interface JsonError {
  /** Offset (UTF-16 code units) of the offending character. */
  readonly offset: number;
  readonly message: string;
}

const whitespace = new Set([' ', '\t', '\n', '\r']);
const numberPattern = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// A string token: no raw control characters (U+0000–U+001F), only JSON escapes.
const stringPattern = new RegExp(String.raw`"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"`, 'y');

interface Frame {
  readonly kind: 'object' | 'array';
  /** Keys seen so far (objects). */
  readonly keys: Set<string> | undefined;
  /** What comes next: a value/key, or a separator (`,` or the closing bracket). */
  state: 'first' | 'value' | 'separator' | 'key' | 'colon';
}

/**
 * Checks `text` against strict JSON (RFC 8259) without recursion, so nesting of any depth
 * is safe, and reports the first problem with its offset: trailing commas, comments,
 * single quotes, unquoted keys, duplicate keys in one object, and values nested deeper than
 * `maxDepth`. Returns `undefined` for valid JSON.
 */
export function findJsonError(text: string, maxDepth: number): JsonError | undefined {
  const stack: Frame[] = [];
  let position = 0;
  let done = false;
  const skip = () => {
    while (position < text.length && whitespace.has(text[position]!)) position++;
  };
  const describe = (at: number) =>
    at >= text.length ? 'the end of the file' : `${JSON.stringify(text.slice(at, at + 1))}`;
  // Marks that a value was completed in the current container (or at the top).
  const valueDone = () => {
    const frame = stack.at(-1);
    if (frame) frame.state = 'separator';
    else done = true;
  };
  for (;;) {
    skip();
    const frame = stack.at(-1);
    const char = text[position];
    if (done) {
      return position < text.length
        ? { offset: position, message: `unexpected ${describe(position)} after the value` }
        : undefined;
    }
    if (frame?.state === 'separator') {
      if (char === ',') {
        frame.state = frame.kind === 'object' ? 'key' : 'value';
        position++;
        continue;
      }
      if ((frame.kind === 'object' && char === '}') || (frame.kind === 'array' && char === ']')) {
        stack.pop();
        position++;
        valueDone();
        continue;
      }
      return {
        offset: position,
        message: `expected "," or "${frame.kind === 'object' ? '}' : ']'}" but found ${describe(position)}`,
      };
    }
    if (
      frame?.state === 'first' &&
      ((frame.kind === 'object' && char === '}') || (frame.kind === 'array' && char === ']'))
    ) {
      stack.pop();
      position++;
      valueDone();
      continue;
    }
    if (frame?.kind === 'object' && (frame.state === 'first' || frame.state === 'key')) {
      if (char === '}') return { offset: position, message: 'trailing comma before "}" (not allowed in JSON)' };
      stringPattern.lastIndex = position;
      const match = stringPattern.exec(text);
      if (char !== '"' || !match)
        return { offset: position, message: `expected a double-quoted property name but found ${describe(position)}` };
      const key = JSON.parse(match[0]) as string;
      if (frame.keys!.has(key)) return { offset: position, message: `duplicate key ${match[0]} (keys must be unique)` };
      frame.keys!.add(key);
      position += match[0].length;
      frame.state = 'colon';
      continue;
    }
    if (frame?.state === 'colon') {
      if (char !== ':') return { offset: position, message: `expected ":" but found ${describe(position)}` };
      position++;
      frame.state = 'value';
      continue;
    }
    // A value.
    if (frame?.kind === 'array' && frame.state === 'value' && char === ']') {
      return { offset: position, message: 'trailing comma before "]" (not allowed in JSON)' };
    }
    if (char === '{' || char === '[') {
      if (stack.length >= maxDepth) {
        return { offset: position, message: `values are nested more than ${maxDepth} levels deep` };
      }
      stack.push({
        kind: char === '{' ? 'object' : 'array',
        keys: char === '{' ? new Set() : undefined,
        state: 'first',
      });
      position++;
      continue;
    }
    if (char === '"') {
      stringPattern.lastIndex = position;
      const match = stringPattern.exec(text);
      if (!match)
        return { offset: position, message: 'unterminated string or invalid escape or control character in a string' };
      position += match[0].length;
      valueDone();
      continue;
    }
    const literal = ['true', 'false', 'null'].find((word) => text.startsWith(word, position));
    if (literal !== undefined) {
      position += literal.length;
      valueDone();
      continue;
    }
    numberPattern.lastIndex = position;
    const number = numberPattern.exec(text);
    if (number && number[0] !== '' && number[0] !== '-') {
      position += number[0].length;
      valueDone();
      continue;
    }
    return { offset: position, message: `expected a value but found ${describe(position)}` };
  }
}
