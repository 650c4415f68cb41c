import { describe, expect, it } from 'vitest';
import { compileTemplate } from './compile-template.js';
import { TemplateValueError } from './template-value-error.js';

/**
 * Params that count how many times a render looks a variable up. Many filler keys make the
 * render read every variable by name (its params snapshot only learns small shapes), and
 * each read by name first asks whether the property is enumerable, so counting the
 * property-descriptor requests for non-filler names counts the lookups.
 */
function counted(values: Record<string, unknown>): { params: Record<string, unknown>; reads: () => number } {
  let reads = 0;
  const target: Record<string, unknown> = {};
  for (let k = 0; k < 10_000; k++) target[`filler${k}`] = k;
  Object.assign(target, values);
  const params = new Proxy(target, {
    getOwnPropertyDescriptor(object, key) {
      if (typeof key === 'string' && !key.startsWith('filler')) reads++;
      return Reflect.getOwnPropertyDescriptor(object, key);
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
    // At most two lookups per occurrence, each asking for up to two descriptors.
    expect(large).toBeLessThanOrEqual(4 * 2000 + 16);
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
    expect(reads()).toBeLessThanOrEqual(4 * 1001 + 16);
  });
});

describe('section choices', () => {
  // 40 sections (more than one 31-bit word of choices), rendered with more distinct choices
  // than the plans a template keeps, in a shuffled order and again, each checked against
  // the rule written out directly.
  const count = 40;
  const template = Array.from({ length: count }, (_, k) => `[${k}((<{{s${k}}}>((.{{t${k}}}))))]`).join('');
  const expected = (present: ReadonlySet<number>, inner: ReadonlySet<number>): string =>
    Array.from({ length: count }, (_, k) => {
      if (!present.has(k) && !inner.has(k)) return `[${k}]`;
      return `[${k}<${present.has(k) ? `S${k}` : ''}>${inner.has(k) ? `.T${k}` : ''}]`;
    }).join('');

  it('renders every choice right, across plan evictions and shape changes', () => {
    const compiled = compileTemplate(template);
    let seed = 7;
    const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const cases = Array.from({ length: 24 }, () => {
      const present = new Set<number>();
      const inner = new Set<number>();
      for (let k = 0; k < count; k++) {
        if (random() < 0.5) present.add(k);
        if (random() < 0.3) inner.add(k);
      }
      return { present, inner };
    });
    for (let round = 0; round < 3; round++) {
      for (const { present, inner } of cases) {
        const params: Record<string, unknown> = {};
        for (const k of present) params[`s${k}`] = `S${k}`;
        for (const k of inner) params[`t${k}`] = `T${k}`;
        if (round === 1) params['extra'] = 'x';
        expect(compiled.render(params).content).toBe(expected(present, inner));
      }
    }
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
