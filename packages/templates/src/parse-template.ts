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

/**
 * Ops while parsing, as parallel arrays (fewer objects for the garbage collector on big
 * templates). Per kind, `a`/`b`/`c` hold: variable — occurrence, in-section flag; section —
 * index of its end op, check range start and end; section end — index of its open op.
 */
interface RawOps {
  readonly kind: number[];
  readonly text: string[];
  readonly ref: (VariableRef | null)[];
  readonly a: number[];
  readonly b: number[];
  readonly c: number[];
}

function pushRaw(
  raw: RawOps,
  kind: number,
  text: string,
  ref: VariableRef | null,
  a: number,
  b: number,
  c: number,
): void {
  raw.kind.push(kind);
  raw.text.push(text);
  raw.ref.push(ref);
  raw.a.push(a);
  raw.b.push(b);
  raw.c.push(c);
}

let inheritedNames: ReadonlySet<string> | undefined;
let objectNames: ReadonlySet<string> | undefined;

function namesOnChains(types: readonly { readonly prototype: unknown }[]): Set<string> {
  const names = new Set<string>(['__proto__']);
  for (const type of types) {
    for (
      let current = type.prototype as object | null;
      current !== null;
      current = Object.getPrototypeOf(current) as object | null
    ) {
      for (const name of Object.getOwnPropertyNames(current)) names.add(name);
    }
  }
  return names;
}

/**
 * Whether reading `segment` from an arbitrary value could reach a property inherited from a
 * built-in prototype (`constructor`, `toString`, `length`, `map`, `__proto__`, …); such
 * names only match own properties.
 */
function isInheritedName(segment: string): boolean {
  inheritedNames ??= namesOnChains([Object, Array, Function, String, Number, Boolean, BigInt, Symbol, Date]);
  return inheritedNames.has(segment);
}

/**
 * Whether a root name could reach a property inherited from `Object.prototype`. Params are a
 * plain object, so only those names need the own-property check at the root.
 */
function isInheritedRoot(root: string): boolean {
  objectNames ??= namesOnChains([Object]);
  return objectNames.has(root);
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
 * The engine's canonical copy of `key`: a string that has been used as a property key. Keyed
 * lookups with it skip the string-table probe a freshly sliced string needs.
 */
function internalize(key: string): string {
  return Object.keys({ [key]: 0 })[0] ?? key;
}

/** The lookup plan for a path, split into `segments` (also used for validation names). */
export function variableRef(path: string, segments: readonly string[], index = -1): VariableRef {
  const root = internalize(segments[0] ?? '');
  const rest = segments.slice(1).map(internalize);
  const rootOwnOnly = isInheritedRoot(root);
  const builtin = builtinOf(root);
  return {
    path,
    root,
    rootOwnOnly,
    rest,
    restOwnOnly: rest.map(isInheritedName),
    builtin,
    index,
    direct: !rootOwnOnly && rest.length === 0 && builtin === BUILTIN_NONE,
  };
}

/**
 * Parses a template in one forward pass (every character is looked at a bounded number of
 * times), collecting every problem rather than stopping at the first.
 */
export function parseTemplate(text: string): ParseOutcome {
  return new TemplateParser(text).parse();
}

class TemplateParser {
  readonly text: string;
  readonly n: number;
  readonly issues: RawIssue[] = [];
  readonly raw: RawOps = { kind: [], text: [], ref: [], a: [], b: [], c: [] };
  readonly checks: VariableRef[] = [];
  readonly refsByPath = new Map<string, VariableRef>();
  readonly stack: OpenSection[] = [];
  // Cache of the next `}}` so repeated searches over the same stretch stay linear.
  closeFrom = -1;
  closeAt = -1;

  constructor(text: string) {
    this.text = text;
    this.n = text.length;
  }

  parse(): ParseOutcome {
    const { text, n, raw, stack, checks, issues } = this;
    let textStart = 0;
    let i = 0;
    // Plain text is skipped with indexOf: the next position of each character that can
    // start syntax is cached and searched again only once the scan has passed it, so every
    // character is visited a bounded number of times.
    let nextBackslash = -1;
    let nextBrace = -1;
    let nextOpen = -1;
    let nextShut = -1;
    while (i < n) {
      if (nextBackslash < i) nextBackslash = this.seek('\\', i);
      if (nextBrace < i) nextBrace = this.seek('{', i);
      if (nextOpen < i) nextOpen = this.seek('(', i);
      if (nextShut < i) nextShut = this.seek(')', i);
      i = Math.min(nextBackslash, nextBrace, nextOpen, nextShut);
      if (i >= n) break;
      const c = text.charCodeAt(i);
      if (c === BACKSLASH) {
        let j = i + 1;
        while (j < n && text.charCodeAt(j) === BACKSLASH) j++;
        const d = text.charCodeAt(j);
        if ((d === LBRACE || d === RBRACE || d === LPAREN || d === RPAREN) && text.charCodeAt(j + 1) === d) {
          // A run of k backslashes before a delimiter pair: k/2 literal backslashes, and the
          // pair itself is literal when k is odd.
          this.pushText(textStart, i);
          const k = j - i;
          this.pushLiteral('\\'.repeat(k >> 1));
          if ((k & 1) === 1) {
            this.pushLiteral(text.slice(j, j + 2));
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
        this.pushText(textStart, i);
        i = this.parseVariable(i);
        textStart = i;
      } else if (c === LPAREN) {
        if (text.charCodeAt(i + 1) === LPAREN) {
          this.pushText(textStart, i);
          stack.push({ offset: i, opIndex: raw.kind.length, checkStart: checks.length, single: 0 });
          pushRaw(raw, OP_SECTION, '', null, -1, 0, 0);
          i += 2;
          textStart = i;
        } else {
          const top = stack[stack.length - 1];
          if (top !== undefined) top.single++;
          i++;
        }
      } else {
        // c === RPAREN
        const top = stack[stack.length - 1];
        if (top === undefined) {
          i++;
        } else if (top.single > 0) {
          top.single--;
          i++;
        } else if (text.charCodeAt(i + 1) === RPAREN) {
          this.pushText(textStart, i);
          stack.pop();
          const open = top.opIndex;
          if (checks.length === top.checkStart) {
            // A section without variables is always kept: it is just its text.
            raw.kind[open] = RAW_NOTHING;
          } else {
            raw.a[open] = raw.kind.length;
            raw.b[open] = top.checkStart;
            raw.c[open] = checks.length;
            pushRaw(raw, RAW_SECTION_END, '', null, open, 0, 0);
          }
          i += 2;
          textStart = i;
        } else {
          i++;
        }
      }
    }
    this.pushText(textStart, n);

    for (const open of stack) {
      const hint =
        open.single > 0
          ? ` ${open.single} single \`(\` inside it ${open.single === 1 ? 'is' : 'are'} still open, and a \`)\` closes a single \`(\` before \`))\` can close the section: balance them, or write \`\\((\` for a literal \`((\`.`
          : ' Add `))` where the optional section ends, or write `\\((` for a literal `((`.';
      issues.push({
        kind: 'unclosed-section',
        message: `The optional section opened with \`((\` is never closed.${hint}`,
        offset: open.offset,
      });
    }

    if (issues.length > 0) return { program: undefined, issues };
    return { program: link(raw, checks, [...this.refsByPath.values()]), issues };
  }

  seek(char: string, from: number): number {
    const at = this.text.indexOf(char, from);
    return at === -1 ? this.n : at;
  }

  pushText(from: number, to: number): void {
    if (to > from) this.pushLiteral(this.text.slice(from, to));
  }

  pushLiteral(literal: string): void {
    if (literal.length > 0) {
      pushRaw(this.raw, OP_TEXT, literal, null, 0, 0, 0);
    }
  }

  nextClose(from: number): number {
    if (this.closeFrom === -1 || from < this.closeFrom || (this.closeAt !== -1 && this.closeAt < from)) {
      this.closeFrom = from;
      this.closeAt = this.text.indexOf('}}', from);
    }
    return this.closeAt;
  }

  refFor(path: string, segments: readonly string[]): VariableRef {
    let ref = this.refsByPath.get(path);
    if (ref === undefined) {
      ref = variableRef(path, segments, this.refsByPath.size);
      this.refsByPath.set(path, ref);
    }
    return ref;
  }

  /** Parses `{{ … }}` starting at `start`; returns where scanning resumes. */
  parseVariable(start: number): number {
    const { text, n } = this;
    let j = start + 2;
    while (j < n && isWhiteSpace(text.charCodeAt(j))) j++;
    const pathStart = j;
    let segments = 0;
    let valid = true;
    for (;;) {
      const segmentStart = j;
      for (let length = nameCharLength(text, j); length > 0; length = nameCharLength(text, j)) j += length;
      if (j === segmentStart) {
        valid = false;
        break;
      }
      segments++;
      if (text.charCodeAt(j) !== DOT) break;
      j++;
    }
    const nameEnd = j;
    while (j < n && isWhiteSpace(text.charCodeAt(j))) j++;
    if (valid && text.charCodeAt(j) === RBRACE && text.charCodeAt(j + 1) === RBRACE) {
      const path = text.slice(pathStart, nameEnd);
      const ref = this.refsByPath.get(path) ?? this.refFor(path, segments === 1 ? [path] : path.split('.'));
      this.checks.push(ref);
      pushRaw(
        this.raw,
        OP_VARIABLE,
        text.slice(start, j + 2),
        ref,
        this.checks.length - 1,
        this.stack.length > 0 ? 1 : 0,
        0,
      );
      return j + 2;
    }
    if (segments === 0 && text.charCodeAt(j) === RBRACE && text.charCodeAt(j + 1) === RBRACE) {
      this.issues.push({
        kind: 'empty-variable',
        message: 'Empty variable `{{ }}`: put a name inside, such as `{{name}}`, or write `\\{{` for literal braces.',
        offset: start,
      });
      return j + 2;
    }
    const close = this.nextClose(start + 2);
    if (close === -1) {
      this.issues.push({
        kind: 'unclosed-variable',
        message:
          'The variable opened with `{{` is never closed: add `}}` after the name, or write `\\{{` for literal braces.',
        offset: start,
      });
      return start + 2;
    }
    const bad = valid ? j : nameEnd;
    const message = valid
      ? `Expected \`}}\` to close the variable \`${text.slice(pathStart, nameEnd)}\`, found ${describeChar(text, bad)}. Names are letters, digits, \`_\` and \`-\`, joined by \`.\`; write \`\\{{\` for literal braces.`
      : `Unexpected ${describeChar(text, bad)} in a variable name. Names are letters, digits, \`_\` and \`-\`, joined by \`.\` (as in \`user.name\` or \`items.0\`); write \`\\{{\` for literal braces.`;
    this.issues.push({ kind: 'malformed-variable', message, offset: bad });
    return close + 2;
  }
}

/**
 * Drops variable-free sections, joins adjacent text into the prefix of the next op and
 * resolves jump targets. Text never merges across the boundary of a kept-or-dropped section.
 */
function link(raw: RawOps, checks: VariableRef[], refs: VariableRef[]): TemplateProgram {
  const ops: TemplateOp[] = [];
  const sectionAt: number[] = [];
  let pieces: string[] = [];
  const prefix = (): string => {
    const text = pieces.length === 1 ? (pieces[0] as string) : pieces.join('');
    pieces = [];
    return text;
  };
  const count = raw.kind.length;
  for (let k = 0; k < count; k++) {
    switch (raw.kind[k]) {
      case OP_TEXT:
        pieces.push(raw.text[k] as string);
        break;
      case RAW_NOTHING:
        break;
      case OP_VARIABLE:
        ops.push(
          new TemplateOp(
            OP_VARIABLE,
            prefix(),
            raw.ref[k] ?? null,
            raw.text[k] as string,
            raw.b[k] === 1,
            raw.a[k] as number,
            0,
            0,
            0,
          ),
        );
        break;
      case OP_SECTION:
        sectionAt[k] = ops.length;
        ops.push(new TemplateOp(OP_SECTION, prefix(), null, '', false, -1, -1, raw.b[k] as number, raw.c[k] as number));
        break;
      default: {
        // RAW_SECTION_END: the section's trailing text stays inside it.
        if (pieces.length > 0) ops.push(new TemplateOp(OP_TEXT, prefix(), null, '', false, -1, 0, 0, 0));
        const section = ops[sectionAt[raw.a[k] as number] as number] as TemplateOp;
        section.end = ops.length;
      }
    }
  }
  if (pieces.length > 0) ops.push(new TemplateOp(OP_TEXT, prefix(), null, '', false, -1, 0, 0, 0));
  return { ops, checks, refs };
}
