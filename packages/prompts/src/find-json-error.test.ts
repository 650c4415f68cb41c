import { describe, expect, it } from 'vitest';
import { findJsonError } from './find-json-error.js';

describe('findJsonError', () => {
  it.each([
    '{}',
    '[]',
    '"just a string"',
    ' {"a": [1, -2.5e3, 0, 1E+2, true, false, null, "x\\n\\u00e9\\"\\\\\\/", {}, [[]]], "b": {"c": {}}} ',
    '{"__proto__": 1, "constructor": 2}',
  ])('accepts valid JSON %s', (text) => {
    expect(findJsonError(text, 64)).toBeUndefined();
    expect(() => JSON.parse(text) as unknown).not.toThrow();
  });

  it.each([
    ['{"a": 1,}', 8, /trailing comma before "}"/],
    ['[1, 2,]', 6, /trailing comma before "]"/],
    ['{a: 1}', 1, /double-quoted property name/],
    ["{'a': 1}", 1, /double-quoted property name/],
    ['{"a" 1}', 5, /expected ":"/],
    ['{"a": 1 "b": 2}', 8, /expected "," or "}"/],
    ['{"a": 01}', 7, /expected "," or "}"/],
    ['{"a": .5}', 6, /expected a value/],
    ['{"a": "tab\there"}', 6, /unterminated string or invalid escape or control character/],
    ['{"a": "\\x"}', 6, /invalid escape/],
    ['{"a": 1} /* c */', 9, /after the value/],
    ['{"a": 1, "a": 2}', 9, /duplicate key "a"/],
    ['', 0, /expected a value but found the end of the file/],
    ['[1, 2', 5, /expected "," or "]" but found the end of the file/],
  ])('refuses %j at offset %i', (text, offset, message) => {
    const error = findJsonError(text, 64);
    expect(error?.offset).toBe(offset);
    expect(error?.message).toMatch(message);
  });

  it('refuses nesting deeper than the limit without recursion', () => {
    expect(findJsonError('['.repeat(100_000) + ']'.repeat(100_000), 64)).toEqual({
      offset: 64,
      message: 'values are nested more than 64 levels deep',
    });
    expect(findJsonError('['.repeat(64) + ']'.repeat(64), 64)).toBeUndefined();
  });
});
