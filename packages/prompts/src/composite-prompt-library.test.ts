import { describe, expect, it } from 'vitest';
import { CompositeLibraryError } from './composite-library-error.js';
import { CompositePromptLibrary } from './composite-prompt-library.js';
import { ConfigPromptLibrary } from './config-prompt-library.js';

const production = new ConfigPromptLibrary({
  name: 'prod-config',
  system: { greet: 'Prod hello' },
  rag: { docs: { adapter_name: 'prod-docs', query: 'q' } },
});
const base = new ConfigPromptLibrary({
  name: 'base-config',
  system: { greet: 'Base hello', only_base: 'Base only' },
  user: { ask: 'Ask' },
  rag: { docs: { adapter_name: 'docs', query: 'q' }, faq: { adapter_name: 'faq', query: 'q' } },
});

describe('CompositePromptLibrary', () => {
  it('returns the first library that has the prompt, labelled with the member name', async () => {
    const library = new CompositePromptLibrary({ libraries: [production, base], names: ['production', 'base'] });
    expect(await library.getPrompt('system', 'greet')).toMatchObject({
      definition: { template: 'Prod hello' },
      library: 'production',
    });
    expect(await library.getPrompt('system', 'only_base')).toMatchObject({
      definition: { template: 'Base only' },
      library: 'base',
    });
    expect((await library.getRagConfig('docs'))!.config.adapter_name).toBe('prod-docs');
    expect((await library.getRagConfig('faq'))!.library).toBe('base');
    expect(await library.getPrompt('user', 'missing')).toBeUndefined();
    // Identity is stable across lookups (builders cache by entry).
    expect(await library.getPrompt('system', 'greet')).toBe(await library.getPrompt('system', 'greet'));
  });

  it('lists the sorted union of names', async () => {
    const library = new CompositePromptLibrary({ libraries: [production, base] });
    expect(await library.listPrompts('system')).toEqual(['greet', 'only_base']);
    expect(await library.listRagConfigs()).toEqual(['docs', 'faq']);
    expect(library.libraryNames).toEqual(['prod-config', 'base-config']);
  });

  it('adds members at a priority and removes them by name', async () => {
    const library = new CompositePromptLibrary({ libraries: [base], names: ['base'] });
    expect((await library.getPrompt('system', 'greet'))!.definition.template).toBe('Base hello');
    library.addLibrary(production, { name: 'production', priority: 0 });
    expect(library.libraryNames).toEqual(['production', 'base']);
    expect((await library.getPrompt('system', 'greet'))!.definition.template).toBe('Prod hello');
    expect(library.getLibrary('production')).toBe(production);
    expect(library.removeLibrary('production')).toBe(true);
    expect(library.removeLibrary('production')).toBe(false);
    expect((await library.getPrompt('system', 'greet'))!.definition.template).toBe('Base hello');
  });

  it('rejects mismatched names and duplicate member names', () => {
    expect(() => new CompositePromptLibrary({ libraries: [base], names: ['a', 'b'] })).toThrow(CompositeLibraryError);
    const library = new CompositePromptLibrary({ libraries: [base], names: ['base'] });
    expect(() => library.addLibrary(production, { name: 'base' })).toThrow(/already has a member named "base"/);
  });
});
