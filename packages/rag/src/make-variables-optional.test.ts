import { renderTemplate } from '@dk/templates';
import { describe, expect, it } from 'vitest';
import { makeVariablesOptional } from './make-variables-optional.js';

describe('makeVariablesOptional', () => {
  it('wraps the named variables so an empty value renders as nothing', () => {
    const template = makeVariablesOptional('Docs:\n{{ RAG_CONTENT }}\nQ: {{question}}', new Set(['RAG_CONTENT']));
    expect(template).toBe('Docs:\n(({{ RAG_CONTENT }}))\nQ: {{question}}');
    expect(renderTemplate(template, { RAG_CONTENT: '' }).content).toBe('Docs:\n\nQ: {{question}}');
    expect(renderTemplate(template, { RAG_CONTENT: 'text', question: 'q' }).content).toBe('Docs:\ntext\nQ: q');
  });

  it('lets an enclosing section disappear when only the wrapped variable is empty', () => {
    const template = makeVariablesOptional('A((, context: {{RAG_CONTENT}})) B');
    expect(renderTemplate(template, { RAG_CONTENT: '' }).content).toBe('A B');
    expect(renderTemplate(template, { RAG_CONTENT: 'c' }).content).toBe('A, context: c B');
  });

  it('leaves escaped variables and other names alone', () => {
    expect(makeVariablesOptional('\\{{RAG_CONTENT}} {{other.path}}', new Set(['RAG_CONTENT']))).toBe(
      '\\{{RAG_CONTENT}} {{other.path}}',
    );
    expect(makeVariablesOptional('{{a}} {{b.c}}')).toBe('(({{a}})) (({{b.c}}))');
  });
});
