import type { RawIssue } from './source-location.js';
import {
  BUILTIN_DATE,
  BUILTIN_DATETIME,
  BUILTIN_NONE,
  BUILTIN_YEAR,
  OP_SECTION,
  OP_TEXT,
  OP_VARIABLE,
  TemplateOp,
} from './template-program.js';
import type { TemplateProgram, VariableRef } from './template-program.js';

const BACKSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LPAREN = 40;
const RPAREN = 41;
const DOT = 46;

/** Result of parsing: the program, or the problems that prevent one. */
export interface ParseOutcome {
  readonly program: TemplateProgram | undefined;
  readonly issues: readonly RawIssue[];
}

// Parse-time op kinds that never survive into the program.
const RAW_SECTION_END = 3;
const RAW_NOTHING = 4;

interface OpenSection {
  readonly offset: number;
  readonly opIndex: number;
  readonly checkStart: number;
  single: number;
}

/** Mutable op while parsing; turned into a {@link TemplateOp} by the final pass. */
interface RawOp {
  kind: number;
  text: string;
  ref: VariableRef | null;
  inSection: boolean;
  /** For a section: index of its end op. */
  pair: number;
  checkStart: number;
  checkEnd: number;
}

const prototypes: readonly object[] = [
  Object.prototype,
  Array.prototype,
  Function.prototype,
  String.prototype,
  Number.prototype,
  Boolean.prototype,
  BigInt.prototype,
  Symbol.prototype,
  Date.prototype,
];

/** Whether reading `segment` could reach a property inherited from a built-in prototype. */
function isInheritedName(segment: string): boolean {
  for (const prototype of prototypes) if (segment in prototype) return true;
  return false;
}

function builtinOf(root: string): number {
  switch (root) {
    case 'current_date':
      return BUILTIN_DATE;
    case 'current_datetime':
      return BUILTIN_DATETIME;
    case 'current_year':
      return BUILTIN_YEAR;
    default:
      return BUILTIN_NONE;
  }
}

function isWhiteSpace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

const nonAsciiNameChar = /^[\p{L}\p{M}\p{N}]$/u;

/** Length (1 or 2 code units) of the name character at `index`, or 0 if there is none. */
function nameCharLength(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (
    (code >= 97 && code <= 122) ||
    (code >= 65 && code <= 90) ||
    (code >= 48 && code <= 57) ||
    code === 95 ||
    code === 45
  ) {
    return 1;
  }
  if (code < 128 || Number.isNaN(code)) return 0;
  const point = text.codePointAt(index);
  if (point === undefined) return 0;
  const char = String.fromCodePoint(point);
  return nonAsciiNameChar.test(char) ? char.length : 0;
}

function describeChar(text: string, index: number): string {
  if (index >= text.length) return 'the end of the template';
  const point = text.codePointAt(index) ?? 0;
  const char = String.fromCodePoint(point);
  if (char === '\n') return 'a line break';
  return `\`${char}\``;
}

/**
 * Parses a template in one forward pass (every character is looked at a bounded number of
 * times), collecting every problem rather than stopping at the first.
 */
export function parseTemplate(text: string): ParseOutcome {
  const n = text.length;
  const issues: RawIssue[] = [];
  const raw: RawOp[] = [];
  const checks: VariableRef[] = [];
  const refsByPath = new Map<string, VariableRef>();
  const stack: OpenSection[] = [];
  let textStart = 0;
  let i = 0;
  // Cache of the next `}}` so repeated searches over the same stretch stay linear.
  let closeFrom = -1;
  let closeAt = -1;

  const pushText = (from: number, to: number): void => {
    if (to > from) pushLiteral(text.slice(from, to));
  };
  const pushLiteral = (literal: string): void => {
    if (literal.length > 0) {
      raw.push({ kind: OP_TEXT, text: literal, ref: null, inSection: false, pair: -1, checkStart: 0, checkEnd: 0 });
    }
  };
  const nextClose = (from: number): number => {
    if (closeFrom === -1 || from < closeFrom || (closeAt !== -1 && closeAt < from)) {
      closeFrom = from;
      closeAt = text.indexOf('}}', from);
    }
    return closeAt;
  };
  const refFor = (segments: string[]): VariableRef => {
    const path = segments.join('.');
    let ref = refsByPath.get(path);
    if (ref === undefined) {
      const root = segments[0] ?? '';
      const rest = segments.slice(1);
      ref = {
        path,
        root,
        rootOwnOnly: isInheritedName(root),
        rest,
        restOwnOnly: rest.map(isInheritedName),
        builtin: builtinOf(root),
      };
      refsByPath.set(path, ref);
    }
    return ref;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) {
      let j = i + 1;
      while (j < n && text.charCodeAt(j) === BACKSLASH) j++;
      const d = text.charCodeAt(j);
      if ((d === LBRACE || d === RBRACE || d === LPAREN || d === RPAREN) && text.charCodeAt(j + 1) === d) {
        // A run of k backslashes before a delimiter pair: k/2 literal backslashes, and the
        // pair itself is literal when k is odd.
        pushText(textStart, i);
        const k = j - i;
        pushLiteral('\\'.repeat(k >> 1));
        if ((k & 1) === 1) {
          pushLiteral(text.slice(j, j + 2));
          i = j + 2;
        } else {
          i = j;
        }
        textStart = i;
      } else {
        i = j;
      }
    } else if (c === LBRACE) {
      if (text.charCodeAt(i + 1) !== LBRACE || text.charCodeAt(i + 2) === LBRACE) {
        // A single `{` is text; in a run of `{` the tag starts at the last pair.
        i++;
        continue;
      }
      pushText(textStart, i);
      i = parseVariable(i);
      textStart = i;
    } else if (c === LPAREN) {
      if (text.charCodeAt(i + 1) === LPAREN) {
        pushText(textStart, i);
        stack.push({ offset: i, opIndex: raw.length, checkStart: checks.length, single: 0 });
        raw.push({ kind: OP_SECTION, text: '', ref: null, inSection: false, pair: -1, checkStart: 0, checkEnd: 0 });
        i += 2;
        textStart = i;
      } else {
        const top = stack[stack.length - 1];
        if (top !== undefined) top.single++;
        i++;
      }
    } else if (c === RPAREN) {
      const top = stack[stack.length - 1];
      if (top === undefined) {
        i++;
      } else if (top.single > 0) {
        top.single--;
        i++;
      } else if (text.charCodeAt(i + 1) === RPAREN) {
        pushText(textStart, i);
        stack.pop();
        const open = raw[top.opIndex] as RawOp;
        if (checks.length === top.checkStart) {
          // A section without variables is always kept: it is just its text.
          open.kind = RAW_NOTHING;
        } else {
          open.pair = raw.length;
          open.checkStart = top.checkStart;
          open.checkEnd = checks.length;
          raw.push({ kind: RAW_SECTION_END, text: '', ref: null, inSection: false, pair: top.opIndex, checkStart: 0, checkEnd: 0 });
        }
        i += 2;
        textStart = i;
      } else {
        i++;
      }
    } else {
      i++;
    }
  }
  pushText(textStart, n);

  for (const open of stack) {
    const hint =
      open.single > 0
        ? ` ${open.single} single \`(\` inside it ${open.single === 1 ? 'is' : 'are'} still open, and a \`)\` closes a single \`(\` before \`))\` can close the section: balance them, or write \`\\((\` for a literal \`((\`.`
        : ' Add `))` where the optional section ends, or write `\\((` for a literal `((`.';
    issues.push({ kind: 'unclosed-section', message: `The optional section opened with \`((\` is never closed.${hint}`, offset: open.offset });
  }

  if (issues.length > 0) return { program: undefined, issues };
  return { program: link(raw, checks, [...refsByPath.values()]), issues };

  /** Parses `{{ … }}` starting at `start`; returns where scanning resumes. */
  function parseVariable(start: number): number {
    let j = start + 2;
    while (j < n && isWhiteSpace(text.charCodeAt(j))) j++;
    const segments: string[] = [];
    let valid = true;
    for (;;) {
      const segmentStart = j;
      for (let length = nameCharLength(text, j); length > 0; length = nameCharLength(text, j)) j += length;
      if (j === segmentStart) {
        valid = false;
        break;
      }
      segments.push(text.slice(segmentStart, j));
      if (text.charCodeAt(j) !== DOT) break;
      j++;
    }
    const nameEnd = j;
    while (j < n && isWhiteSpace(text.charCodeAt(j))) j++;
    if (valid && text.charCodeAt(j) === RBRACE && text.charCodeAt(j + 1) === RBRACE) {
      const ref = refFor(segments);
      checks.push(ref);
      raw.push({
        kind: OP_VARIABLE,
        text: text.slice(start, j + 2),
        ref,
        inSection: stack.length > 0,
        pair: -1,
        checkStart: 0,
        checkEnd: 0,
      });
      return j + 2;
    }
    if (segments.length === 0 && text.charCodeAt(j) === RBRACE && text.charCodeAt(j + 1) === RBRACE) {
      issues.push({
        kind: 'empty-variable',
        message: 'Empty variable `{{ }}`: put a name inside, such as `{{name}}`, or write `\\{{` for literal braces.',
        offset: start,
      });
      return j + 2;
    }
    const close = nextClose(start + 2);
    if (close === -1) {
      issues.push({
        kind: 'unclosed-variable',
        message: 'The variable opened with `{{` is never closed: add `}}` after the name, or write `\\{{` for literal braces.',
        offset: start,
      });
      return start + 2;
    }
    const bad = valid ? j : nameEnd;
    const message = valid
      ? `Expected \`}}\` to close the variable \`${segments.join('.')}\`, found ${describeChar(text, bad)}. Names are letters, digits, \`_\` and \`-\`, joined by \`.\`; write \`\\{{\` for literal braces.`
      : `Unexpected ${describeChar(text, bad)} in a variable name. Names are letters, digits, \`_\` and \`-\`, joined by \`.\` (as in \`user.name\` or \`items.0\`); write \`\\{{\` for literal braces.`;
    issues.push({ kind: 'malformed-variable', message, offset: bad });
    return close + 2;
  }
}

/** Drops variable-free sections, joins adjacent text and resolves jump targets. */
function link(raw: readonly RawOp[], checks: VariableRef[], refs: VariableRef[]): TemplateProgram {
  const ops: TemplateOp[] = [];
  const sectionAt: number[] = [];
  let pieces: string[] | null = null;
  const flush = (): void => {
    if (pieces !== null) {
      ops.push(new TemplateOp(OP_TEXT, pieces.join(''), null, false, 0, 0, 0));
      pieces = null;
    }
  };
  for (let k = 0; k < raw.length; k++) {
    const op = raw[k] as RawOp;
    switch (op.kind) {
      case OP_TEXT:
        (pieces ??= []).push(op.text);
        break;
      case RAW_NOTHING:
        break;
      case OP_VARIABLE:
        flush();
        ops.push(new TemplateOp(OP_VARIABLE, op.text, op.ref, op.inSection, 0, 0, 0));
        break;
      case OP_SECTION:
        flush();
        sectionAt[k] = ops.length;
        ops.push(new TemplateOp(OP_SECTION, '', null, false, -1, op.checkStart, op.checkEnd));
        break;
      default: {
        // RAW_SECTION_END: text never merges across a section boundary.
        flush();
        const section = ops[sectionAt[op.pair] as number] as TemplateOp;
        section.end = ops.length;
      }
    }
  }
  flush();
  return { ops, checks, refs };
}
