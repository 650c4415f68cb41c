// The guide's "Validation Strategy" and "Test Error Conditions", written as the guide writes them
// (camelCase aside), asserting what the guide says happens.
import { MissingParametersError, ValidationLevel } from '@dk/templates';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigPromptLibrary } from './config-prompt-library.js';
import { FileSystemPromptLibrary } from './file-system-prompt-library.js';
import { PromptBuilder } from './prompt-builder.js';
import { UnresolvedPlaceholdersError } from './unresolved-placeholders-error.js';

const root = fileURLToPath(new URL('./__fixtures__/guide-prompts/base', import.meta.url));
const library = new FileSystemPromptLibrary(root);

describe('guide: Choose Appropriate Validation Levels', () => {
  const builder = new PromptBuilder({ library });

  it('WARN: "Missing aspect is okay, but user should know"', async () => {
    // system/analysis.yaml: level warn, optional_params: ["aspect"]
    const result = await builder.renderSystemPrompt('analysis', { params: { data: 'sales.csv' } });
    expect(result.content).toBe('Analyze sales.csv');
    expect(result.warnings).toEqual([
      'Optional parameter without a value: aspect; the text that uses it was left out.',
    ]);
    const withAspect = await builder.renderSystemPrompt('analysis', {
      params: { data: 'sales.csv', aspect: 'trends' },
    });
    expect([withAspect.content, withAspect.warnings]).toEqual(['Analyze sales.csv, focusing on trends', []]);
  });

  it('an unfilled {{data}} never reaches the model silently: a warning at warn, an error at error', async () => {
    const warned = await builder.renderSystemPrompt('analysis');
    expect(warned.unresolved).toEqual(['data']);
    expect(warned.warnings).toContain(
      'Placeholders left unfilled in the text sent to the model: {{data}}. Pass a value or add a default for each, or wrap optional text in ((…)).',
    );
    const failure = await builder
      .renderSystemPrompt('analysis', { validationLevel: ValidationLevel.ERROR })
      .catch((error: unknown) => error);
    expect(UnresolvedPlaceholdersError.isInstance(failure)).toBe(true);
    expect(MissingParametersError.isInstance(failure)).toBe(true);
    expect(failure).toMatchObject({ missing: ['data'], promptName: 'analysis', kind: 'system' });
    expect((failure as Error).message).toMatch(
      /^System prompt "analysis" would send unfilled placeholders to the model: \{\{data\}\}\./,
    );
  });

  it('IGNORE: "Truly optional, no warnings needed"', async () => {
    const chat = await builder.renderSystemPrompt('chat');
    expect([chat.content, chat.warnings]).toEqual(['Chat about ', []]);
  });

  it('a forgotten {{RAG_CONTENT}} (no RAG config) is reported, not sent as is', async () => {
    const forgetful = new PromptBuilder({
      library: new ConfigPromptLibrary({
        system: {
          docs_qa: {
            template:
              'Use these reference documents:\n\n{{RAG_CONTENT}}\n\n---\n\nQuestion: {{question}}\n\nAnswer based on the documents above.\n',
          },
        },
      }),
    });
    const result = await forgetful.renderSystemPrompt('docs_qa', { params: { question: 'Q?' } });
    expect(result.unresolved).toEqual(['RAG_CONTENT']);
    expect(result.warnings).toEqual([expect.stringContaining('{{RAG_CONTENT}}')]);
    await expect(
      forgetful.renderSystemPrompt('docs_qa', { params: { question: 'Q?' }, validationLevel: 'error' }),
    ).rejects.toThrow(/\{\{RAG_CONTENT\}\}/);
  });
});

describe('guide: Validation Hierarchy', () => {
  it('template defines, builder overrides for all prompts, runtime overrides for one call', async () => {
    // 1. Template defines defaults — prompts/system/analyze.yaml: validation: level: "warn"
    const plain = new PromptBuilder({ library });
    const fromTemplate = await plain.renderSystemPrompt('analyze', { params: {} });
    expect([fromTemplate.validationLevel, fromTemplate.warnings]).toEqual([
      'warn',
      ['Missing required parameters: code'],
    ]);

    // 2. Builder can override
    const builder = new PromptBuilder({
      library: library,
      defaultValidationLevel: ValidationLevel.ERROR, // Override for all prompts
    });
    await expect(builder.renderSystemPrompt('analyze', { params: {} })).rejects.toBeInstanceOf(MissingParametersError);

    // 3. Runtime can override
    const result = await builder.renderSystemPrompt('analyze', {
      params: {},
      validationLevel: ValidationLevel.IGNORE, // Override for this call
    });
    expect([result.validationLevel, result.warnings, result.missing]).toEqual(['ignore', [], ['code']]);
  });
});

describe('guide: Test Error Conditions', () => {
  it('test_missing_required_param', async () => {
    const builder = new PromptBuilder({
      library: new ConfigPromptLibrary({
        user: {
          prompt_with_required_param: {
            template: 'Review {{code}}',
            validation: { level: 'warn', required_params: ['code'] },
          },
        },
      }),
    });
    await expect(
      builder.renderUserPrompt('prompt_with_required_param', {
        params: {}, // Missing required param
        validationLevel: ValidationLevel.ERROR,
      }),
    ).rejects.toThrow(/Missing required parameter/);
  });
});
