/**
 * The kinds of problem the template parser reports:
 * - `unclosed-variable`: a `{{` with no `}}` after it;
 * - `empty-variable`: `{{ }}` with nothing but white space inside;
 * - `malformed-variable`: `{{ … }}` whose content is not a name path such as `user.name`;
 * - `unclosed-section`: a `((` with no matching `))`.
 */
export type SyntaxIssueKind = 'unclosed-variable' | 'empty-variable' | 'malformed-variable' | 'unclosed-section';

/** One problem found in a template's text. */
export interface SyntaxIssue {
  /** What kind of problem this is. */
  readonly kind: SyntaxIssueKind;
  /** What is wrong and how to fix it. */
  readonly message: string;
  /** 1-based line of the problem. Lines end at `\n`, `\r\n` or a lone `\r`. */
  readonly line: number;
  /** 1-based column of the problem, counted in UTF-16 code units. */
  readonly column: number;
  /** 0-based offset of the problem in the template string (UTF-16 code units). */
  readonly offset: number;
  /**
   * The text around the problem (at most 30 code units either side, on its line; `…` marks
   * a cut), then a newline and a `^` under the problem.
   */
  readonly snippet: string;
}
