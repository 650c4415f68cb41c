import { describe, expect, it } from 'vitest';
import { ConfigPromptLibrary } from './config-prompt-library.js';
import { PromptFileError } from './prompt-file-error.js';

describe('ConfigPromptLibrary', () => {
  it('holds prompts given as objects or strings and copies them', async () => {
    const definition = { template: 'Hi {{name}}', defaults: { name: 'Ann' } };
    const library = new ConfigPromptLibrary({ system: { hi: definition }, user: { ask: 'Q?' } });
    definition.defaults.name = 'changed later';
    expect((await library.getPrompt('system', 'hi'))!.definition).toEqual({
      template: 'Hi {{name}}',
      defaults: { name: 'Ann' },
    });
    expect((await library.getPrompt('user', 'ask'))!.definition).toEqual({ template: 'Q?' });
    expect(await library.listPrompts('system')).toEqual(['hi']);
  });

  it('checks every entry against the schema and collects all problems', () => {
    const failure = (() => {
      try {
        new ConfigPromptLibrary({
          system: { a: { template: 'x', defualts: {} } as never, b: { template: 'Hello {{' } },
          rag: { r: { adapter_name: 'docs', query: 'q', k: 0 } },
        });
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(PromptFileError.isInstance(failure)).toBe(true);
    expect((failure as PromptFileError).problems.map((problem) => [problem.file, problem.path, problem.code])).toEqual([
      ['config:system/a', 'defualts', 'PROMPT_SCHEMA'],
      ['config:system/b', 'template', 'TEMPLATE_SYNTAX'],
      ['config:rag/r', 'k', 'PROMPT_SCHEMA'],
    ]);
    expect((failure as Error).message).toContain(
      'config:system/a defualts: unknown field "defualts". Did you mean "defaults"?',
    );
  });

  it('adds and removes entries', async () => {
    const library = new ConfigPromptLibrary();
    library.addPrompt('user', 'x', 'one');
    library.addRagConfig('docs', { adapter_name: 'docs', query: '{{q}}' });
    expect((await library.getPrompt('user', 'x'))!.definition.template).toBe('one');
    expect(() => library.addPrompt('user', 'y', { validation: { level: 'error' } })).toThrow(/needs "template"/);
    expect(library.removePrompt('user', 'x')).toBe(true);
    expect(library.removeRagConfig('docs')).toBe(true);
    expect(await library.getPrompt('user', 'x')).toBeUndefined();
    expect(() => library.addPrompt('user', '../x', 'bad')).toThrow(/not allowed/);
  });
});
