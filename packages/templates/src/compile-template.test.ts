import { describe, expect, it } from 'vitest';
import { compileTemplate } from './compile-template.js';
import { TemplateValueError } from './template-value-error.js';

/** Params that count how many times a render reads them (property reads through a Proxy). */
function counted(values: Record<string, unknown>): { params: Record<string, unknown>; reads: () => number } {
  let reads = 0;
  const params = new Proxy(values, {
    get(target, key, receiver) {
      reads++;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { params, reads: () => reads };
}

/** `((v0 ((v1 … ((vN-1)) … ))))`: every section holds one variable and all the deeper sections. */
function nested(depth: number): string {
  let template = '';
  for (let k = 0; k < depth; k++) template += `((<{{v${k}}}`;
  for (let k = 0; k < depth; k++) template += '>))';
  return template;
}

describe('render cost is linear in the template size', () => {
  // A section is kept when any variable inside it, at any depth, has a value. Checking each
  // section by looking at all its nested variables costs depth² lookups; the render must look
  // each variable occurrence up a bounded number of times instead.
  it.each([
    ['only the innermost variable has a value', (depth: number) => ({ [`v${depth - 1}`]: 'x' })],
    ['no variable has a value', () => ({})],
    [
      'every variable has a value',
      (depth: number) => Object.fromEntries(Array.from({ length: depth }, (_, k) => [`v${k}`, k])),
    ],
  ])('nested sections, %s: reads grow linearly with depth', (_name, values) => {
    const readsAt = (depth: number): number => {
      const { params, reads } = counted(values(depth));
      compileTemplate(nested(depth)).render(params);
      return reads();
    };
    const small = readsAt(200);
    const large = readsAt(2000);
    // Quadratic growth would read about 100× more for 10× the depth.
    expect(large).toBeLessThanOrEqual(small * 12);
    expect(large).toBeLessThanOrEqual(3 * 2000 + 16);
  });

  it('renders the deep template right', () => {
    const depth = 5;
    expect(compileTemplate(nested(depth)).render({ v4: 'x' }).content).toBe('<<<<<x>>>>>');
    expect(compileTemplate(nested(depth)).render({ v1: 'y' }).content).toBe('<<y>>');
    expect(compileTemplate(nested(depth)).render({}).content).toBe('');
  });

  it('siblings after the variable that kept their parent are checked once each', () => {
    const siblings = Array.from({ length: 1000 }, (_, k) => `(({{s${k}}}))`).join('');
    const { params, reads } = counted({ last: 'x' });
    const result = compileTemplate(`((${siblings}{{last}}))`).render(params);
    expect(result.content).toBe('x');
    expect(reads()).toBeLessThanOrEqual(2 * 1001 + 16);
  });
});

describe('deep values', () => {
  it('flattens an array nested 10,000 deep without running out of stack', () => {
    let deep: unknown = 'x';
    for (let k = 0; k < 10_000; k++) deep = [deep, k === 0 ? 'y' : []];
    const result = compileTemplate('[{{deep}}]').render({ deep });
    expect(result.content.startsWith('[x, y, ')).toBe(true);
    expect(result.content.length).toBe(2 + 'x, y'.length + 2 * 9_999);
  });

  it('throws a typed error naming the variable for an object too deep for JSON', () => {
    let deep: unknown = 1;
    for (let k = 0; k < 100_000; k++) deep = { deep };
    let caught: unknown;
    try {
      compileTemplate('Data: {{data.deep}}').render({ data: { deep } });
    } catch (error) {
      caught = error;
    }
    expect(TemplateValueError.isInstance(caught)).toBe(true);
    expect((caught as TemplateValueError).path).toBe('data.deep');
    expect((caught as TemplateValueError).code).toBe('TEMPLATE_VALUE');
    expect((caught as Error).message).toMatch(/\{\{data\.deep\}\}/);
    expect((caught as Error).cause).toBeInstanceOf(RangeError);
  });
});
