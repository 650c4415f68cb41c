import { describe, expect, it } from 'vitest';
import { compileTemplate } from './compile-template.js';
import { MissingParametersError } from './missing-parameters-error.js';
import { renderTemplate } from './render-template.js';
import { validateTemplateSyntax } from './validate-template-syntax.js';
import { ValidationLevel } from './validation-level.js';

describe('README usage', () => {
  it('works as shown', () => {
    const clock = (): Date => new Date('2026-11-24T12:00:00Z');
    const result = renderTemplate(
      'Hello {{name}}((, you are {{age}} years old)). Today is {{current_date}}.',
      { name: 'Alice' },
      { clock },
    );
    expect(result.content).toBe('Hello Alice. Today is 2026-11-24.');

    const greeting = compileTemplate('Hi {{user.name}}((, from {{city}}))');
    expect(greeting.render({ user: { name: 'Bo' } }).content).toBe('Hi Bo');

    expect(renderTemplate('{{greeting}}, {{name}}!', { greeting: 'Hi' }).unresolved).toEqual(['name']);

    expect(() =>
      renderTemplate('{{question}}', {}, { validation: { level: ValidationLevel.ERROR, required: ['question'] } }),
    ).toThrow(MissingParametersError);

    expect(validateTemplateSyntax('Hello {{na me}} ((open')[0]).toMatchObject({
      kind: 'malformed-variable',
      line: 1,
      column: 12,
    });
  });
});
