import { InvalidOptionsError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { thrownBy } from './__fixtures__/thrown-by.js';
import { compileTemplate } from './compile-template.js';
import type { RenderOptions } from './render-options.js';
import { renderTemplate } from './render-template.js';
import { TemplateOptionsError } from './template-options-error.js';

const invalid = (run: () => unknown): InvalidOptionsError =>
  thrownBy(run, (error): error is InvalidOptionsError => InvalidOptionsError.isInstance(error));

describe('render options are checked at run time', () => {
  const compiled = compileTemplate('{{a}}');
  const renders: [string, (options: unknown) => unknown][] = [
    ['renderTemplate', (options) => renderTemplate('{{a}}', { a: 1 }, options as RenderOptions)],
    ['compile().render', (options) => compiled.render({ a: 1 }, options as RenderOptions)],
  ];

  it.each(renders)('%s refuses snake_case names with the camelCase name', (_name, render) => {
    const error = invalid(() => render({ validation: { level: 'error', required_params: ['a'] } }));
    expect(error.unknown).toEqual(['required_params']);
    expect(error.suggestions).toEqual({ required_params: 'required' });
    expect(error.message).toMatch(/did you mean `required`/);
    expect(invalid(() => render({ validation: { optional_params: ['a'] } })).suggestions).toEqual({
      optional_params: 'optional',
    });
  });

  it.each(renders)('%s refuses misspelt names with a did-you-mean', (_name, render) => {
    expect(invalid(() => render({ default: { a: 2 } })).suggestions).toEqual({ default: 'defaults' });
    expect(invalid(() => render({ stirct: true })).suggestions).toEqual({ stirct: 'strict' });
    expect(invalid(() => render({ validation_level: 'warn' })).unknown).toEqual(['validation_level']);
  });

  it.each(renders)('%s accepts unknown names set to undefined', (_name, render) => {
    expect(() => render({ extra: undefined })).not.toThrow();
  });

  it.each(renders)('%s refuses values of the wrong type with a typed error', (_name, render) => {
    for (const [options, option] of [
      [{ strict: 'yes' }, 'strict'],
      [{ partial: 1 }, 'partial'],
      [{ clock: 'now' }, 'clock'],
      [{ defaults: [1] }, 'defaults'],
      [{ validation: 'error' }, 'validation'],
      [{ validation: { level: 'loud' } }, 'validation.level'],
      [{ validation: { level: 3n } }, 'validation.level'],
      [{ validation: { required: 'a' } }, 'validation.required'],
      [{ validation: { optional: [1] } }, 'validation.optional'],
    ] as const) {
      let caught: unknown;
      try {
        render(options);
      } catch (error) {
        caught = error;
      }
      expect(TemplateOptionsError.isInstance(caught), JSON.stringify(option)).toBe(true);
      expect((caught as TemplateOptionsError).option).toBe(option);
    }
    expect(() => render('strict')).toThrow(InvalidOptionsError);
  });
});
