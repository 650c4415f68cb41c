import { describe, expect, it } from 'vitest';
import { thrownBy } from './__fixtures__/thrown-by.js';
import { compileTemplate } from './compile-template.js';
import { MissingParametersError } from './missing-parameters-error.js';
import { renderTemplate } from './render-template.js';
import { ValidationLevel } from './validation-level.js';

const thrown = (run: () => unknown): MissingParametersError =>
  thrownBy(run, (error): error is MissingParametersError => MissingParametersError.isInstance(error));

describe('given-but-empty values (guide: explicit empty values)', () => {
  it('renders an explicitly empty value as empty text, not as the placeholder', () => {
    expect(renderTemplate('Hello {{name}}!', { name: '' }).content).toBe('Hello !');
  });

  it('keeps only absent, undefined and null as placeholders for staged rendering', () => {
    for (const params of [{}, { name: undefined }, { name: null }]) {
      const result = renderTemplate('Hello {{name}}!', params, { partial: true });
      expect(result.content).toBe('Hello {{name}}!');
      expect(result.unresolved).toEqual(['name']);
    }
  });

  it('does not count an empty value inside a section: the section is dropped', () => {
    expect(renderTemplate('Hello {{name}}((, age {{age}}))', { name: 'Al', age: '' }).content).toBe('Hello Al');
  });

  it('treats a required param given as empty, blank or [] as missing at level error', () => {
    const template = 'Execute query on {{database}}: {{query}}';
    for (const query of ['', '   ', []]) {
      const error = thrown(() =>
        renderTemplate(
          template,
          { database: 'db', query },
          { validation: { level: ValidationLevel.ERROR, required: ['database', 'query'] } },
        ),
      );
      expect(error.missing).toEqual(['query']);
      expect(error.reason).toBe('required');
    }
  });
});

describe('unresolved placeholders in text sent to a model', () => {
  const template = 'Analyze {{data}} for {{goal}}';

  it('warns at the default level and lists them', () => {
    const result = renderTemplate(template, { goal: 'errors' });
    expect(result.content).toBe('Analyze {{data}} for errors');
    expect(result.unresolved).toEqual(['data']);
    expect(result.warnings).toEqual(['Unresolved variables left in the text: data']);
  });

  it('throws at level error, naming the variables and how to fix it', () => {
    const error = thrown(() => renderTemplate(template, {}, { validation: { level: 'error' } }));
    expect(error.missing).toEqual(['data', 'goal']);
    expect(error.reason).toBe('unresolved');
    expect(error.code).toBe('TEMPLATE_UNRESOLVED_VARIABLES');
    expect(error.message).toMatch(/partial: true/);
  });

  it('only lists them at level ignore', () => {
    const result = renderTemplate(template, {}, { validation: { level: 'ignore' } });
    expect(result.unresolved).toEqual(['data', 'goal']);
    expect(result.warnings).toEqual([]);
  });

  it('lets a staged render opt out with partial: true, at every level', () => {
    const stage = compileTemplate<string>('{{greeting}}, {{name}}!');
    for (const level of ['error', 'warn', 'ignore'] as const) {
      const first = stage.render({ greeting: 'Hi' }, { partial: true, validation: { level } });
      expect(first.content).toBe('Hi, {{name}}!');
      expect(first.unresolved).toEqual(['name']);
      expect(first.warnings).toEqual([]);
    }
    const second = renderTemplate('Hi, {{name}}!', { name: 'Bo' }, { validation: { level: 'error' } });
    expect(second.content).toBe('Hi, Bo!');
  });

  it('does not report a variable twice when it is a missing required param', () => {
    const result = renderTemplate('{{q}}', {}, { validation: { required: ['q'] } });
    expect(result.missing).toEqual(['q']);
    expect(result.warnings).toEqual(['Missing required parameters: q']);
  });

  it('never reports variables inside sections', () => {
    const result = renderTemplate('A((, {{b}}))', {}, { validation: { level: 'error' } });
    expect(result.content).toBe('A');
    expect(result.warnings).toEqual([]);
  });
});

describe('optional params (guide: "missing aspect is okay, but user should know")', () => {
  const template = 'Analyze {{data}}((, focusing on {{aspect}}))';
  const validation = { level: ValidationLevel.WARN, required: [], optional: ['aspect'] };

  it('warns about a missing optional param at level warn', () => {
    const result = renderTemplate(template, { data: 'sales' }, { validation });
    expect(result.content).toBe('Analyze sales');
    expect(result.missing).toEqual([]);
    expect(result.warnings).toEqual(['Missing optional parameters: aspect']);
  });

  it('says nothing when it is given, or at level ignore', () => {
    expect(renderTemplate(template, { data: 'sales', aspect: 'trends' }, { validation }).warnings).toEqual([]);
    const ignored = renderTemplate('Chat about (({{topic}}))', {}, { validation: { level: 'ignore' } });
    expect(ignored.content).toBe('Chat about ');
    expect(ignored.warnings).toEqual([]);
  });

  it('is a warning, never an error, at level error, even when left in the text', () => {
    const result = renderTemplate('{{a}} {{b}}', { a: 1 }, { validation: { level: 'error', optional: ['b'] } });
    expect(result.content).toBe('1 {{b}}');
    expect(result.warnings).toEqual(['Missing optional parameters: b']);
  });
});
