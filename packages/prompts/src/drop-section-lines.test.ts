import { renderTemplate } from '@dk/templates';
import { describe, expect, it } from 'vitest';
import { markSectionLines, removeDroppedSectionLines } from './drop-section-lines.js';

/** Renders as the builder does: marked template, then the dropped lines removed. */
function render(template: string, params: Record<string, unknown>): string {
  const { template: marked } = markSectionLines(template);
  return removeDroppedSectionLines(renderTemplate(marked, params, { validation: { level: 'ignore' } }).content);
}

describe('removeDroppedSectionLines', () => {
  it('removes a line whose sections were dropped, as if it had never been written', () => {
    const template = 'Intro\n\n((Example: {{example}}))\n\nInput: {{input}}\n';
    expect(render(template, { input: 'x' })).toBe('Intro\n\nInput: x\n');
    expect(render(template, { input: 'x', example: 'e' })).toBe('Intro\n\nExample: e\n\nInput: x\n');
  });

  it('keeps the longer blank stretch around a dropped line, and none at the start or end', () => {
    expect(render('A\n\n\n((x {{x}}))\nB', {})).toBe('A\n\n\nB');
    expect(render('((x {{x}}))\n\nBody', {})).toBe('Body');
    expect(render('Body\n\n((x {{x}}))\n', {})).toBe('Body\n');
    expect(render('A\n((x {{x}}))\n((y {{y}}))\nB', {})).toBe('A\nB');
  });

  it('leaves blank lines the author wrote, and lines that kept text, alone', () => {
    expect(render('A\n\n\nB\n((c {{c}}))', {})).toBe('A\n\n\nB');
    expect(render('Say ((hi {{name}}))\n\n  ((and {{more}}))\nEnd', { name: 'Ann' })).toBe('Say hi Ann\n\nEnd');
    expect(render('\\((literal))\n\nx', {})).toBe('((literal))\n\nx');
  });

  it('drops a multi-line section that starts a line together with its line', () => {
    expect(render('Top\n\n((Notes:\n{{notes}}))\n\nBottom', {})).toBe('Top\n\nBottom');
  });

  it('does nothing to text without markers, and marks nothing in a template without sections', () => {
    expect(removeDroppedSectionLines('a\n\n\nb')).toBe('a\n\n\nb');
    expect(markSectionLines('plain {{x}}')).toEqual({ template: 'plain {{x}}', marked: false, variables: [] });
  });
});
