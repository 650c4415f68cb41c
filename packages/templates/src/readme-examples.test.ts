import { InvalidOptionsError } from '@dk/spec';
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

    expect(renderTemplate('Hello {{name}}!', { name: '' }).content).toBe('Hello !');

    expect(renderTemplate('Analyze {{data}}', {}).warnings).toEqual(['Unresolved variables left in the text: data']);

    const stage = renderTemplate('{{greeting}}, {{name}}!', { greeting: 'Hi' }, { partial: true });
    expect(stage.content).toBe('Hi, {{name}}!');
    expect(stage.unresolved).toEqual(['name']);
    expect(stage.warnings).toEqual([]);

    expect(() =>
      renderTemplate(
        '{{question}}',
        { question: '' },
        { validation: { level: ValidationLevel.ERROR, required: ['question'] } },
      ),
    ).toThrow(MissingParametersError);
    expect(
      renderTemplate(
        'Analyze {{data}}((, focusing on {{aspect}}))',
        { data: 'sales' },
        { validation: { level: ValidationLevel.WARN, optional: ['aspect'] } },
      ).warnings,
    ).toEqual(['Missing optional parameters: aspect']);

    expect(() => renderTemplate('{{a}}', { a: 1 }, { validation: { required_params: ['a'] } } as never)).toThrow(
      InvalidOptionsError,
    );
    expect(() => renderTemplate('{{a}}', { a: 1 }, { validation: { required_params: ['a'] } } as never)).toThrow(
      /`required_params` \(did you mean `required`\?\)/,
    );

    expect(validateTemplateSyntax('Hello {{na me}} ((open')[0]).toMatchObject({
      kind: 'malformed-variable',
      line: 1,
      column: 12,
    });
  });
});
