import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';
import type { SyntaxIssue, SyntaxIssueKind } from './syntax-issue.js';

/**
 * Thrown when a template's text breaks the grammar (an unclosed `{{` or `((`, or a malformed
 * name inside `{{ }}`). The top-level fields describe the first problem in the text;
 * `issues` lists every problem, in text order.
 */
export class TemplateSyntaxError extends DkError {
  static override readonly errorName: string = 'TemplateSyntaxError';

  /** The kind of the first problem. */
  readonly kind: SyntaxIssueKind;
  /** 1-based line of the first problem. */
  readonly line: number;
  /** 1-based column of the first problem (UTF-16 code units). */
  readonly column: number;
  /** 0-based offset of the first problem in the template string. */
  readonly offset: number;
  /** The text around the first problem with a `^` under it. */
  readonly snippet: string;
  /** Every problem found in the template, in text order (at least one). */
  readonly issues: readonly SyntaxIssue[];

  /** @param issues every problem found, in text order; must not be empty. */
  constructor(issues: readonly SyntaxIssue[], options: { readonly cause?: unknown } = {}) {
    const first = issues[0];
    if (first === undefined) throw new RangeError('TemplateSyntaxError needs at least one issue.');
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
    super({
      message: `Template syntax error at line ${first.line}, column ${first.column}: ${first.message}${more}\n${first.snippet}`,
      code: 'TEMPLATE_SYNTAX',
      cause: options.cause,
    });
    this.kind = first.kind;
    this.line = first.line;
    this.column = first.column;
    this.offset = first.offset;
    this.snippet = first.snippet;
    this.issues = Object.freeze([...issues]);
  }

  override get fields(): DkErrorFields {
    return {
      kind: this.kind,
      line: this.line,
      column: this.column,
      offset: this.offset,
      snippet: this.snippet,
      issues: this.issues,
    };
  }
}
