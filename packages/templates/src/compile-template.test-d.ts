import { describe, expectTypeOf, it } from 'vitest';
import { compileTemplate } from './compile-template.js';
import type { TemplateParams } from './template-params.js';

describe('compileTemplate', () => {
  it('requires variables outside sections and makes section variables optional', () => {
    const template = compileTemplate('Hello {{name}}((, age {{age}}))');
    type Params = Parameters<typeof template.render>[0];
    expectTypeOf<Params>().toEqualTypeOf<{ name: unknown; age?: unknown }>();
    template.render({ name: 'Al' });
    template.render({ name: 'Al', age: 3 });
    // @ts-expect-error name is required
    template.render({ age: 3 });
    // @ts-expect-error params are required when the template needs some
    template.render();
  });

  it('builds nested object types for dotted paths', () => {
    expectTypeOf<TemplateParams<'{{user.name}} {{user.address.city}} {{items.0.title}}'>>().toEqualTypeOf<{
      user: { name: unknown } & { address: { city: unknown } };
      items: unknown;
    }>();
    const template = compileTemplate('Hi {{ user.name }}');
    template.render({ user: { name: 'x' } });
    // @ts-expect-error user.name is required
    template.render({ user: {} });
  });

  it('tracks nesting, built-ins and escapes', () => {
    expectTypeOf<TemplateParams<'((a {{a}} ((b {{b}})) {{c}})) {{d}} {{current_date}} \\{{e}}'>>().toEqualTypeOf<{
      a?: unknown;
      b?: unknown;
      c?: unknown;
      d: unknown;
      current_date?: unknown;
    }>();
  });

  it('ignores escaped section delimiters', () => {
    expectTypeOf<TemplateParams<'\\(( {{a}} \\)) ((b {{b}} \\)) {{c}}))'>>().toEqualTypeOf<{
      a: unknown;
      b?: unknown;
      c?: unknown;
    }>();
  });

  it('makes params optional when the template needs none', () => {
    const template = compileTemplate('((maybe {{x}}))');
    template.render();
    template.render({ x: 1 });
    compileTemplate('plain text').render();
  });

  it('falls back to a loose record for non-literal or long templates', () => {
    const text: string = 'Hello {{name}}';
    expectTypeOf(compileTemplate(text).render).parameter(0).toEqualTypeOf<Record<string, unknown> | null | undefined>();
    type Long =
      TemplateParams<`${'{{a}}{{b}}{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}'}${'{{a}}{{b}}{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}'}${'{{a}}{{b}}{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}'}${'{{a}}{{b}}{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}'}${'{{a}}{{b}}{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}'}${'{{a}}{{b}}{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}'}${'{{a}}{{b}}{{c}}{{d}}{{e}}{{f}}{{g}}{{h}}'}`>;
    expectTypeOf<Long>().toEqualTypeOf<Record<string, unknown>>();
  });
});
