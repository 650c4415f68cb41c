import { describe, expect, it } from 'vitest';
import { compileTemplate } from './compile-template.js';

const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
const template = names.map((name) => `{{${name}}}`).join(',');
const full = Object.fromEntries(names.map((name) => [name, name.toUpperCase()]));
const expected = names.map((name) => name.toUpperCase()).join(',');

describe('reading params by shape', () => {
  it('gives the same values whatever the key order, key set or object kind', () => {
    const compiled = compileTemplate(template);
    const reversed = Object.fromEntries(Object.entries(full).reverse());
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, full);
    const extra = { ...full, unused: 1, more: 2 };
    const fewer = { a: 'A', c: 'C' };
    for (let round = 0; round < 3; round++) {
      for (const params of [full, reversed, bare, extra]) expect(compiled.render(params).content).toBe(expected);
      expect(compiled.render(fewer, { partial: true }).content).toBe('A,{{b}},C,{{d}},{{e}},{{f}},{{g}},{{h}}');
    }
  });

  it('reads the current values of an object rendered again after a change', () => {
    const compiled = compileTemplate(template);
    const params: Record<string, unknown> = { ...full };
    expect(compiled.render(params).content).toBe(expected);
    params['a'] = 'changed';
    delete params['h'];
    expect(compiled.render(params, { partial: true }).content).toBe(
      expected.replace('A', 'changed').replace('H', '{{h}}'),
    );
  });

  it('reads enumerable properties, own or inherited, and nothing else (also when reading by name)', () => {
    const compiled = compileTemplate(template);
    let getterRuns = 0;
    class Params {
      get a(): string {
        getterRuns++;
        return 'A';
      }
    }
    const hidden = Object.assign(new Params(), { b: 'B', c: 'C', d: 'D', e: 'E', f: 'F', g: 'G' });
    Object.defineProperty(hidden, 'h', { value: 'H', enumerable: false });
    const inherited = Object.assign(Object.create({ a: 'A', h: 'H' }) as Record<string, unknown>, {
      b: 'B',
      c: 'C',
      d: 'D',
      e: 'E',
      f: 'F',
      g: 'G',
    });
    // More keys than the reader learns: every root is read by name, by the same rule.
    const wide = (base: object): object =>
      Object.assign(
        Object.create(base) as object,
        Object.fromEntries(Array.from({ length: 40 }, (_, k) => [`x${k}`, k])),
      );
    for (let round = 0; round < 3; round++) {
      for (const params of [hidden, wide(hidden)]) {
        expect(compiled.render(params as Record<string, unknown>, { partial: true }).content).toBe(
          '{{a}},B,C,D,E,F,G,{{h}}',
        );
      }
      for (const params of [inherited, wide(inherited)]) {
        expect(compiled.render(params as Record<string, unknown>).content).toBe(expected);
      }
      expect(compiled.render(full).content).toBe(expected);
    }
    expect(getterRuns).toBe(0);
  });

  it('is safe when a getter renders the same template while the params are read', () => {
    const compiled = compileTemplate(template);
    let depth = 0;
    const params = {
      ...full,
      get b(): string {
        depth++;
        const inner = depth < 3 ? compiled.render({ ...full, z: depth }).content : 'B';
        depth--;
        return inner === expected ? 'B' : 'wrong';
      },
    };
    for (let round = 0; round < 3; round++) expect(compiled.render(params).content).toBe(expected);
  });

  it('gives the same values when shapes keep changing or params are large', () => {
    const compiled = compileTemplate(template);
    const large = { ...Object.fromEntries(Array.from({ length: 100 }, (_, k) => [`x${k}`, k])), ...full };
    for (let round = 0; round < 200; round++) {
      const shifting = { [`k${round}`]: round, ...full };
      expect(compiled.render(shifting).content).toBe(expected);
      expect(compiled.render(large).content).toBe(expected);
      expect(compiled.render(full).content).toBe(expected);
    }
  });

  it('keeps own-property-only roots own-only', () => {
    const compiled = compileTemplate(`${template},{{constructor}},{{toString}}`);
    const result = compiled.render({ ...full, toString: 'T' }, { partial: true });
    expect(result.content).toBe(`${expected},{{constructor}},T`);
  });
});
