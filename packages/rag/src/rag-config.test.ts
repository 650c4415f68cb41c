import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '@dk/spec';
import { defaultItemTemplate, defaultRagEmptyText, normalizeRagConfig } from './rag-config.js';
import { RagConfigError } from './rag-config-error.js';

describe('normalizeRagConfig', () => {
  it('applies the defaults', () => {
    expect(normalizeRagConfig({ adapter_name: 'docs', query: '{{topic}}' })).toEqual({
      adapterName: 'docs',
      query: '{{topic}}',
      k: 5,
      filters: undefined,
      scoreThreshold: undefined,
      placeholder: 'RAG_CONTENT',
      header: '',
      itemTemplate: defaultItemTemplate,
      separator: '\n\n',
      timeoutMs: undefined,
      emptyText: defaultRagEmptyText,
    });
  });

  it('keeps score_threshold and the other fields', () => {
    const config = normalizeRagConfig({
      adapter_name: 'code',
      query: 'q',
      k: 3,
      score_threshold: 0.7,
      filters: { type: 'code' },
      placeholder: 'CODE',
      header: 'H',
      item_template: '{{content}}',
      separator: '|',
    });
    expect(config).toMatchObject({
      k: 3,
      scoreThreshold: 0.7,
      filters: { type: 'code' },
      placeholder: 'CODE',
      header: 'H',
      itemTemplate: '{{content}}',
      separator: '|',
    });
  });

  it.each([
    [{ adapter_name: '', query: 'q' }, 'adapter_name'],
    [{ adapter_name: 'a', query: 'q', k: 0 }, 'k'],
    [{ adapter_name: 'a', query: 'q', k: 2.5 }, 'k'],
    [{ adapter_name: 'a', query: 'q', score_threshold: 7 }, 'score_threshold'],
    [{ adapter_name: 'a', query: 'q', placeholder: 'not valid' }, 'placeholder'],
    [{ adapter_name: 'a', query: 'q', timeout_ms: 0 }, 'timeout_ms'],
    [{ adapter_name: 'a', query: 'q', empty_text: 3 as unknown as string }, 'empty_text'],
  ])('rejects %j naming the field', (config, field) => {
    let caught: unknown;
    try {
      normalizeRagConfig(config);
    } catch (error) {
      caught = error;
    }
    expect(RagConfigError.isInstance(caught)).toBe(true);
    expect((caught as RagConfigError).field).toBe(field);
  });

  it('names the field meant by an unknown one (a camelCase field in a snake_case config)', () => {
    expect(() => normalizeRagConfig({ adapter_name: 'a', query: 'q', scoreThreshold: 0.7 } as never)).toThrow(
      expect.objectContaining({ name: 'InvalidOptionsError', suggestions: { scoreThreshold: 'score_threshold' } }),
    );
    expect(() => normalizeRagConfig(null as never)).toThrow(RagConfigError);
    expect(InvalidOptionsError.errorName).toBe('InvalidOptionsError');
  });
});
