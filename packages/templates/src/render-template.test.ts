import { DkError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { compileTemplate } from './compile-template.js';
import { MissingParametersError } from './missing-parameters-error.js';
import { renderTemplate } from './render-template.js';
import { TemplateOptionsError } from './template-options-error.js';
import { TemplateSyntaxError } from './template-syntax-error.js';
import { validateTemplateSyntax } from './validate-template-syntax.js';
import { ValidationLevel } from './validation-level.js';

const clock = (): Date => new Date('2024-02-03T04:05:06.007Z');

describe('renderTemplate', () => {
  it('fills variables and keeps a section when one of its variables has a value', () => {
    const result = renderTemplate('Hello {{name}}((, you are {{age}} years old))', { name: 'Alice', age: 30 });
    expect(result.content).toBe('Hello Alice, you are 30 years old');
    expect(result.variables).toEqual(['name', 'age']);
    expect(result.paramsUsed).toEqual({ name: 'Alice', age: 30 });
    expect(result.unresolved).toEqual([]);
  });

  it('removes a section whose variables have no value, at any depth', () => {
    const template = 'Hello {{name}}((, from {{city}}((, {{country}}))))';
    expect(renderTemplate(template, { name: 'Al', city: 'Paris' }).content).toBe('Hello Al, from Paris');
    expect(renderTemplate(template, { name: 'Al', country: 'FR' }).content).toBe('Hello Al, from , FR');
    expect(renderTemplate(template, { name: 'Al' }).content).toBe('Hello Al');
  });

  it('treats 0 and false as values and blank strings, null and [] as none', () => {
    const template = 'A((={{v}}))';
    expect(renderTemplate(template, { v: 0 }).content).toBe('A=0');
    expect(renderTemplate(template, { v: false }).content).toBe('A=false');
    for (const v of [undefined, null, '', '  \n', []]) expect(renderTemplate(template, { v }).content).toBe('A');
  });

  it('leaves absent and null variables verbatim outside sections and lists them', () => {
    const result = renderTemplate('Hi {{ name }} and {{other}}, {{other}}', { name: null });
    expect(result.content).toBe('Hi {{ name }} and {{other}}, {{other}}');
    expect(result.unresolved).toEqual(['name', 'other']);
  });

  it('renders a given but empty value as nothing outside sections', () => {
    for (const name of ['', '  ', []]) {
      const result = renderTemplate('Hello {{name}}!', { name });
      expect(result.content).toBe('Hello !');
      expect(result.unresolved).toEqual([]);
      expect(result.warnings).toEqual([]);
    }
  });

  it('never re-parses values', () => {
    expect(renderTemplate('((say {{x}}))', { x: '{{y}} ((z))', y: 'Y' }).content).toBe('say {{y}} ((z))');
  });

  it('stringifies dates, arrays, objects and bigints', () => {
    const content = renderTemplate('{{d}}|{{a}}|{{o}}|{{b}}', {
      d: new Date('2020-01-02T03:04:05Z'),
      a: ['x', 1, ['y', 'z']],
      o: { k: 1n },
      b: 10n,
    }).content;
    expect(content).toBe('2020-01-02T03:04:05.000Z|x, 1, y, z|{"k":"1"}|10');
  });

  it('walks dotted paths and never reads inherited prototype properties', () => {
    const result = renderTemplate('{{user.name}} {{items.1}} {{constructor}} {{user.toString}}', {
      user: { name: 'Bo' },
      items: ['a', 'b'],
    });
    expect(result.content).toBe('Bo b {{constructor}} {{user.toString}}');
  });

  it('supplies built-ins from the clock and lets params override them', () => {
    const template = '{{current_date}} {{current_datetime}} {{current_year}}';
    expect(renderTemplate(template, {}, { clock }).content).toBe('2024-02-03 2024-02-03T04:05:06.007Z 2024');
    expect(renderTemplate(template, { current_year: 'Y' }, { clock }).content).toBe(
      '2024-02-03 2024-02-03T04:05:06.007Z Y',
    );
  });

  it('uses defaults under params', () => {
    const options = { defaults: { a: 'A', b: 'B' } };
    expect(renderTemplate('{{a}}{{b}}', { a: 'x' }, options).content).toBe('xB');
  });

  it('applies the three validation levels', () => {
    const template = 'Hello {{name}}, age {{age}}';
    const validation = { required: ['name', 'age'] };
    expect(() =>
      renderTemplate(template, { name: 'A' }, { validation: { ...validation, level: ValidationLevel.ERROR } }),
    ).toThrow(MissingParametersError);
    const warned = renderTemplate(template, { name: 'A' }, { validation: { ...validation, level: 'warn' } });
    expect(warned.missing).toEqual(['age']);
    expect(warned.warnings).toEqual(['Missing required parameters: age']);
    const ignored = renderTemplate(template, { name: 'A' }, { validation: { ...validation, level: 'ignore' } });
    expect(ignored.missing).toEqual(['age']);
    expect(ignored.warnings).toEqual([]);
  });

  it('lists missing names in declaration order', () => {
    try {
      renderTemplate('{{a}}{{b}}', {}, { validation: { level: 'error', required: ['b', 'a'] } });
      expect.unreachable();
    } catch (error) {
      expect(MissingParametersError.isInstance(error)).toBe(true);
      expect((error as MissingParametersError).missing).toEqual(['b', 'a']);
      expect((error as MissingParametersError).code).toBe('TEMPLATE_MISSING_PARAMETERS');
    }
  });

  it('throws in strict mode for unresolved variables except optional ones', () => {
    expect(() => renderTemplate('{{a}} {{b}}', { a: 1 }, { strict: true })).toThrow(/b/);
    expect(() => renderTemplate('{{a}} {{b}}', { a: 1 }, { strict: true, validation: { level: 'ignore' } })).toThrow(
      MissingParametersError,
    );
    const result = renderTemplate('{{a}} {{b}}', { a: 1 }, { strict: true, validation: { optional: ['b'] } });
    expect(result.content).toBe('1 {{b}}');
  });

  it('rejects bad options with a typed error', () => {
    expect(() => renderTemplate('x', {}, { validation: { level: 'loud' as never } })).toThrow(TemplateOptionsError);
    expect(() => renderTemplate('x', 'nope' as never)).toThrow(TemplateOptionsError);
  });
});

describe('TemplateSyntaxError', () => {
  it('carries line, column, offset, snippet, kind and every issue', () => {
    try {
      compileTemplate('ok\nHello {{na me}} ((open');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DkError);
      const syntax = error as TemplateSyntaxError;
      expect(TemplateSyntaxError.isInstance(syntax)).toBe(true);
      expect(syntax.kind).toBe('malformed-variable');
      expect([syntax.line, syntax.column, syntax.offset]).toEqual([2, 12, 14]);
      expect(syntax.snippet).toBe('Hello {{na me}} ((open\n           ^');
      expect(syntax.issues.map((issue) => issue.kind)).toEqual(['malformed-variable', 'unclosed-section']);
    }
  });
});

describe('validateTemplateSyntax', () => {
  it('reports every problem', () => {
    const issues = validateTemplateSyntax('{{}} {{a b}} {{c');
    expect(issues.map((issue) => [issue.kind, issue.column])).toEqual([
      ['empty-variable', 1],
      ['malformed-variable', 10],
      ['unclosed-variable', 14],
    ]);
  });

  it('returns nothing for a valid template', () => {
    expect(validateTemplateSyntax('JSON {"a": [1, (2)]} ((x {{y}})) \\{{z}}')).toEqual([]);
  });
});

describe('renderTemplate cache', () => {
  it('reuses compiled templates and evicts the least recently used beyond 256', async () => {
    const { cachedTemplate } = await import('./render-template.js');
    const first = cachedTemplate('cache-test {{a}}');
    expect(cachedTemplate('cache-test {{a}}')).toBe(first);
    const kept = cachedTemplate('cache-test kept {{a}}');
    for (let k = 0; k < 300; k++) {
      cachedTemplate(`cache-test filler ${k} {{a}}`);
      if (k % 50 === 0) cachedTemplate('cache-test kept {{a}}');
    }
    expect(cachedTemplate('cache-test kept {{a}}')).toBe(kept);
    expect(cachedTemplate('cache-test {{a}}')).not.toBe(first);
  });

  it('does not cache templates with syntax errors', () => {
    expect(() => renderTemplate('{{broken')).toThrow(TemplateSyntaxError);
    expect(() => renderTemplate('{{broken')).toThrow(TemplateSyntaxError);
  });
});

describe('RenderResult', () => {
  it('serialises paramsUsed through toJSON and computes it once', () => {
    const result = renderTemplate('{{a}} {{b.c}} {{current_year}} {{z}}', { a: null, b: { c: 1 } }, { clock });
    expect(result.paramsUsed).toBe(result.paramsUsed);
    expect(JSON.parse(JSON.stringify(result))).toEqual({
      content: '{{a}} 1 2024 {{z}}',
      paramsUsed: { a: null, b: { c: 1 }, current_year: 2024 },
      missing: [],
      unresolved: ['a', 'z'],
      warnings: ['Unresolved variables left in the text: a, z'],
      variables: ['a', 'b.c', 'current_year', 'z'],
    });
  });

  it('calls the clock at most once per render and only when needed', () => {
    let calls = 0;
    const counting = (): Date => {
      calls++;
      return clock();
    };
    renderTemplate('{{x}}', { x: 1 }, { clock: counting });
    expect(calls).toBe(0);
    const result = renderTemplate('{{current_date}} {{current_year}} {{current_datetime}}', {}, { clock: counting });
    void result.paramsUsed;
    expect(calls).toBe(1);
  });

  it('rejects a clock that does not return a valid Date', () => {
    expect(() => renderTemplate('{{current_date}}', {}, { clock: () => new Date(Number.NaN) })).toThrow(
      TemplateOptionsError,
    );
  });

  it('does not mutate params, defaults or options', () => {
    const params = Object.freeze({ a: 1 });
    const options = Object.freeze({
      defaults: Object.freeze({ b: 2 }),
      validation: Object.freeze({ level: 'warn' as const, required: Object.freeze(['c']) }),
    });
    expect(renderTemplate('{{a}}{{b}}', params, options).missing).toEqual(['c']);
  });
});
