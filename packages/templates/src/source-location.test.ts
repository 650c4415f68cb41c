import { describe, expect, it } from 'vitest';
import { locateIssues } from './source-location.js';

describe('locateIssues', () => {
  it('counts LF, CRLF and lone CR as one line break each', () => {
    const text = 'a\nb\r\nc\rd {{';
    const [issue] = locateIssues(text, [{ kind: 'unclosed-variable', message: 'm', offset: text.indexOf('{{') }]);
    expect(issue).toMatchObject({ line: 4, column: 3, snippet: 'd {{\n  ^' });
  });

  it('cuts long lines to a window marked with …, keeping the caret under the spot', () => {
    const text = `${'x'.repeat(50)}{{${'y'.repeat(50)}`;
    const [issue] = locateIssues(text, [{ kind: 'unclosed-variable', message: 'm', offset: 50 }]);
    const [line, caret] = issue!.snippet.split('\n');
    expect(line).toBe(`…${'x'.repeat(30)}{{${'y'.repeat(28)}…`);
    expect(caret!.indexOf('^')).toBe(31);
    expect(line![31]).toBe('{');
  });

  it('sorts issues by offset and never splits a surrogate pair', () => {
    const text = `${'😀'.repeat(20)}{{`;
    const issues = locateIssues(text, [
      { kind: 'unclosed-variable', message: 'second', offset: 40 },
      { kind: 'empty-variable', message: 'first', offset: 0 },
    ]);
    expect(issues.map((issue) => issue.message)).toEqual(['first', 'second']);
    expect(issues[1]!.snippet.split('\n')[0]).toBe(`…${'😀'.repeat(15)}{{`);
  });
});
