import { describe, expect, it } from 'vitest';
import { hasValue } from './has-value.js';
import { stringifyValue } from './stringify-value.js';

describe('stringifyValue', () => {
  it('follows the table of SPEC.md section 7', () => {
    expect(stringifyValue('s')).toBe('s');
    expect(stringifyValue(-0)).toBe('0');
    expect(stringifyValue(Number.NaN)).toBe('NaN');
    expect(stringifyValue(12n)).toBe('12');
    expect(stringifyValue(false)).toBe('false');
    expect(stringifyValue(new Date('2020-01-01T00:00:00Z'))).toBe('2020-01-01T00:00:00.000Z');
    expect(stringifyValue(new Date(Number.NaN))).toBe('Invalid Date');
    expect(stringifyValue([1, [2, [3]], null, undefined, 'x'])).toBe('1, 2, 3, , , x');
    expect(stringifyValue(Symbol('tag'))).toBe('Symbol(tag)');
    expect(stringifyValue({ a: [1, { b: 2n }] })).toBe('{"a":[1,{"b":"2"}]}');
  });

  it('falls back to String for what JSON cannot represent', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    expect(stringifyValue(cyclic)).toBe('[object Object]');
    const fn = function named(): void {};
    expect(stringifyValue(fn)).toBe(String(fn));
    const bare = Object.create(null) as Record<string, unknown>;
    bare['k'] = 1;
    expect(stringifyValue(bare)).toBe('{"k":1}');
    const throwing = {
      toJSON: (): never => {
        throw new Error('no');
      },
    };
    expect(stringifyValue(throwing)).toBe('[object Object]');
  });

  it('marks a self-containing array instead of recursing forever', () => {
    const list: unknown[] = ['a'];
    list.push(list);
    expect(stringifyValue(list)).toBe('a, [Circular]');
  });
});

describe('hasValue', () => {
  it('treats 0, false, NaN and {} as values and blank strings, null, undefined and [] as none', () => {
    for (const value of [0, false, Number.NaN, {}, 'x', ' x ', [''], 0n]) expect(hasValue(value)).toBe(true);
    for (const value of [undefined, null, '', ' ', '\n\t', '\u00a0\u2028', []]) expect(hasValue(value)).toBe(false);
  });
});
