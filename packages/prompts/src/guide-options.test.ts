// Plain-JS users porting the guide write snake_case or misspelt options: each is refused with a
// typed error naming the option meant, never silently ignored and never a raw TypeError.
import { InvalidOptionsError } from '@dk/spec';
import type { PromptRenderer } from '@dk/spec';
import { ValidationLevel } from '@dk/templates';
import { describe, expect, it } from 'vitest';
import { BuilderConfigurationError } from './builder-configuration-error.js';
import { CompositePromptLibrary } from './composite-prompt-library.js';
import { ConfigPromptLibrary } from './config-prompt-library.js';
import { PromptBuilder } from './prompt-builder.js';
import { VersionedPromptLibrary } from './versioned-prompt-library.js';

const library = new ConfigPromptLibrary({ system: { analyze: 'Analyze {{code}}' } });

function caught(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('guide options in plain JavaScript', () => {
  it('AsyncPromptBuilder(default_validation_level=…) → did you mean defaultValidationLevel', () => {
    const error = caught(
      () => new PromptBuilder({ library, default_validation_level: ValidationLevel.ERROR } as never),
    );
    expect(InvalidOptionsError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      component: 'PromptBuilder',
      unknown: ['default_validation_level'],
      suggestions: { default_validation_level: 'defaultValidationLevel' },
    });
  });

  it('render_system_prompt(…, validation_level=…, include_rag=…) → did you mean validationLevel, includeRag', async () => {
    const builder = new PromptBuilder({ library });
    await expect(
      builder.renderSystemPrompt('analyze', { params: { code: 'x' }, include_rag: false } as never),
    ).rejects.toThrow(/`include_rag` \(did you mean `includeRag`\?\)/);
    await expect(builder.renderSystemPrompt('analyze', { validation_level: 'ignore' } as never)).rejects.toSatisfy(
      (error) => InvalidOptionsError.isInstance(error) && error.suggestions['validation_level'] === 'validationLevel',
    );
  });

  it('the other public constructors check their options too', () => {
    expect(caught(() => new ConfigPromptLibrary({ system: {}, systems: {} } as never))).toMatchObject({
      suggestions: { systems: 'system' },
    });
    expect(
      caught(() => new CompositePromptLibrary({ libraries: [library], library_names: ['a'] } as never)),
    ).toMatchObject({
      unknown: ['library_names'],
    });
    expect(caught(() => new VersionedPromptLibrary({ base_library: library } as never))).toMatchObject({
      suggestions: { base_library: 'baseLibrary' },
    });
  });

  it('wrong values are typed errors that say what to pass, not TypeErrors', async () => {
    const notAnAdapter = caught(() => new PromptBuilder({ library, adapters: { docs: {} } as never }));
    expect(BuilderConfigurationError.isInstance(notAnAdapter)).toBe(true);
    expect((notAnAdapter as Error).message).toMatch(
      /adapters\.docs is not a search adapter: it needs a search\(query, options\) method/,
    );
    expect(BuilderConfigurationError.isInstance(caught(() => new PromptBuilder({ library: {} as never })))).toBe(true);
    expect(
      BuilderConfigurationError.isInstance(
        caught(() => new PromptBuilder({ defaultValidationLevel: 'strict' as never })),
      ),
    ).toBe(true);
    expect(BuilderConfigurationError.isInstance(caught(() => new PromptBuilder(['x'] as never)))).toBe(false);
    expect(InvalidOptionsError.isInstance(caught(() => new PromptBuilder(['x'] as never)))).toBe(true);
    const builder = new PromptBuilder({ library });
    await expect(builder.renderSystemPrompt('analyze', { params: 'code=x' as never })).rejects.toThrow(
      /params must be an object of template parameters/,
    );
    await expect(builder.renderInlinePrompt(undefined as never)).rejects.toBeInstanceOf(BuilderConfigurationError);
    expect(caught(() => new CompositePromptLibrary({ libraries: [{}] as never }))).toMatchObject({
      name: 'CompositeLibraryError',
    });
  });

  it('PromptBuilder is a PromptRenderer (the contract ConversationManager uses)', async () => {
    const renderer: PromptRenderer = new PromptBuilder({ library });
    const rendered = await renderer.renderSystemPrompt('analyze', { params: { code: 'x = 1' } });
    expect([rendered.content, rendered.warnings, rendered.unresolved]).toEqual(['Analyze x = 1', [], []]);
  });
});
