import type { SyntaxIssue, SyntaxIssueKind } from './syntax-issue.js';

/** A problem before its line, column and snippet are worked out. */
export interface RawIssue {
  readonly kind: SyntaxIssueKind;
  readonly message: string;
  readonly offset: number;
}

const SNIPPET_RADIUS = 30;
const LF = 10;
const CR = 13;

/**
 * Adds line, column and snippet to each issue. Issues are sorted by offset first, so one
 * forward pass over the text serves all of them: linear in the text plus the issues.
 */
export function locateIssues(text: string, raw: readonly RawIssue[]): SyntaxIssue[] {
  const sorted = [...raw].sort((a, b) => a.offset - b.offset);
  const issues: SyntaxIssue[] = [];
  let line = 1;
  let lineStart = 0;
  let scanned = 0;
  for (const issue of sorted) {
    // Advance the line counter to the issue's offset.
    while (scanned < issue.offset) {
      const c = text.charCodeAt(scanned);
      scanned++;
      if (c === LF || (c === CR && text.charCodeAt(scanned) !== LF)) {
        line++;
        lineStart = scanned;
      }
    }
    issues.push({
      kind: issue.kind,
      message: issue.message,
      line,
      column: issue.offset - lineStart + 1,
      offset: issue.offset,
      snippet: buildSnippet(text, lineStart, issue.offset),
    });
  }
  return issues;
}

/** The line around `offset`, cut to a window, with a caret line under the spot. */
function buildSnippet(text: string, lineStart: number, offset: number): string {
  let from = Math.max(lineStart, offset - SNIPPET_RADIUS);
  const limit = Math.min(text.length, offset + SNIPPET_RADIUS);
  let to = offset;
  while (to < limit) {
    const c = text.charCodeAt(to);
    if (c === LF || c === CR) break;
    to++;
  }
  // Never cut a surrogate pair in half.
  if (from > lineStart && isLowSurrogate(text.charCodeAt(from))) from--;
  if (to < text.length && isLowSurrogate(text.charCodeAt(to))) to++;
  const cutStart = from > lineStart;
  const lineEnd = to >= text.length || text.charCodeAt(to) === LF || text.charCodeAt(to) === CR;
  const prefix = cutStart ? '…' : '';
  const body = text.slice(from, to).replace(/\t/g, ' ');
  const suffix = lineEnd ? '' : '…';
  return `${prefix}${body}${suffix}\n${' '.repeat(prefix.length + offset - from)}^`;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
