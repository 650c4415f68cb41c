import { parseTemplate } from './parse-template.js';
import { locateIssues } from './source-location.js';
import type { SyntaxIssue } from './syntax-issue.js';
import { TemplateOptionsError } from './template-options-error.js';

/**
 * Every syntax problem in `template` (not just the first), in text order, each with kind,
 * message, line, column, offset and snippet. An empty array means the template compiles.
 * Runs in time linear in the template's length.
 */
export function validateTemplateSyntax(template: string): SyntaxIssue[] {
  if (typeof template !== 'string') {
    throw new TemplateOptionsError(
      'template',
      `A template must be a string, got ${template === null ? 'null' : typeof template}.`,
    );
  }
  return locateIssues(template, parseTemplate(template).issues);
}
