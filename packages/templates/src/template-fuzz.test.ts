import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileTemplate } from './compile-template.js';
import { hasValue } from './has-value.js';
import { stringifyValue } from './stringify-value.js';
import { TemplateSyntaxError } from './template-syntax-error.js';
import { validateTemplateSyntax } from './validate-template-syntax.js';

/** Characters weighted towards the template syntax. */
const syntaxChar = fc.constantFrom(
  '{',
  '}',
  '(',
  ')',
  '\\',
  '.',
  ' ',
  '\n',
  '\r',
  'a',
  'b',
  '_',
  '-',
  '0',
  'é',
  '👋',
  '|',
  '\t',
);
const syntaxString = fc.array(syntaxChar, { maxLength: 80 }).map((chars) => chars.join(''));

const anyValue = fc.constantFrom<unknown>(
  undefined,
  null,
  '',
  '  ',
  0,
  false,
  true,
  'v',
  1.5,
  [],
  ['a', 'b'],
  { k: 1 },
  '{{a}}',
  '((b))',
  '\\{{',
  new Date(0),
  10n,
);
const anyParams = fc.record(
  {
    a: anyValue,
    b: anyValue,
    c: anyValue,
    user: fc.oneof(anyValue, fc.record({ name: anyValue })),
    items: fc.oneof(anyValue, fc.array(anyValue, { maxLength: 2 })),
  },
  { requiredKeys: [] },
);

/** Either renders or throws TemplateSyntaxError, agreeing with validateTemplateSyntax. */
function checkTemplate(template: string, params: Record<string, unknown>): void {
  const issues = validateTemplateSyntax(template);
  let compiled;
  try {
    compiled = compileTemplate(template);
  } catch (error) {
    expect(TemplateSyntaxError.isInstance(error)).toBe(true);
    const syntax = error as TemplateSyntaxError;
    expect(syntax.issues).toEqual(issues);
    expect(issues.length).toBeGreaterThan(0);
    for (let k = 0; k < issues.length; k++) {
      const issue = issues[k]!;
      if (k > 0) expect(issue.offset).toBeGreaterThanOrEqual(issues[k - 1]!.offset);
      // Line and column agree with the offset.
      const before = template.slice(0, issue.offset).replace(/\r\n/g, '\n').replace(/\r/g, '\n');
      const lines = before.split('\n');
      expect(issue.line).toBe(lines.length);
      expect(issue.snippet).toContain('^');
    }
    return;
  }
  expect(issues).toEqual([]);
  const result = compiled.render(params);
  expect(typeof result.content).toBe('string');
  for (const name of result.unresolved) expect(result.variables).toContain(name);
}

describe('fuzz: random text', () => {
  it('random strings either render or throw TemplateSyntaxError', () => {
    fc.assert(
      fc.property(syntaxString, anyParams, (template, params) => checkTemplate(template, params)),
      { numRuns: 1000 },
    );
  });

  it('random full-unicode strings either render or throw TemplateSyntaxError', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), anyParams, (template, params) =>
        checkTemplate(template, params),
      ),
      { numRuns: 1000 },
    );
  });
});

// A generator of valid templates together with a reference renderer written from SPEC.md.
type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'escape'; readonly pair: string }
  | { readonly kind: 'var'; readonly path: string; readonly source: string }
  | { readonly kind: 'parens'; readonly children: readonly Node[] }
  | { readonly kind: 'section'; readonly children: readonly Node[] };

const textNode = fc
  .array(fc.constantFrom('a', 'b', ' ', '\n', '.', '}', 'é', '👋', ',', ':'), { minLength: 1, maxLength: 6 })
  .map((chars): Node => ({ kind: 'text', text: chars.join('') }));
const escapeNode = fc.constantFrom('{{', '}}', '((', '))').map((pair): Node => ({ kind: 'escape', pair }));
const varNode = fc
  .tuple(
    fc.constantFrom('a', 'b', 'c', 'user.name', 'items.0', 'items.1'),
    fc.constantFrom('', ' ', '\n'),
    fc.constantFrom('', ' ', '\t'),
  )
  .map(([path, left, right]): Node => ({ kind: 'var', path, source: `{{${left}${path}${right}}}` }));

const { tree } = fc.letrec<{ tree: Node[]; node: Node; flat: Node }>((tie) => ({
  tree: fc.array(tie('node'), { maxLength: 5 }),
  flat: fc.oneof(textNode, varNode),
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    textNode,
    varNode,
    escapeNode,
    fc.array(tie('flat'), { maxLength: 3 }).map((children): Node => ({ kind: 'parens', children })),
    tie('tree').map((children): Node => ({ kind: 'section', children })),
  ),
}));

function source(nodes: readonly Node[]): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.text;
        case 'escape':
          return `\\${node.pair}`;
        case 'var':
          return node.source;
        case 'parens':
          return `(${source(node.children)})`;
        case 'section':
          return `((${source(node.children)}))`;
      }
    })
    .join('');
}

function lookup(path: string, params: Record<string, unknown>): unknown {
  let value: unknown = params;
  for (const segment of path.split('.')) {
    if (value === undefined || value === null) return undefined;
    value = Object.hasOwn(value as object, segment) ? (value as Record<string, unknown>)[segment] : undefined;
  }
  return value;
}

function paths(nodes: readonly Node[]): string[] {
  return nodes.flatMap((node) =>
    node.kind === 'var' ? [node.path] : node.kind === 'parens' || node.kind === 'section' ? paths(node.children) : [],
  );
}

function reference(nodes: readonly Node[], params: Record<string, unknown>, inSection: boolean): string {
  return nodes
    .map((node) => {
      switch (node.kind) {
        case 'text':
          return node.text;
        case 'escape':
          return node.pair;
        case 'var': {
          const value = lookup(node.path, params);
          if (hasValue(value)) return stringifyValue(value);
          // Given but empty renders as nothing; only absent or null stays verbatim outside sections.
          return inSection || (value !== undefined && value !== null) ? '' : node.source;
        }
        case 'parens':
          return `(${reference(node.children, params, inSection)})`;
        case 'section': {
          const names = paths(node.children);
          const keep = names.length === 0 || names.some((path) => hasValue(lookup(path, params)));
          return keep ? reference(node.children, params, true) : '';
        }
      }
    })
    .join('');
}

describe('fuzz: generated templates', () => {
  it('valid templates render exactly as the reference semantics say', () => {
    fc.assert(
      fc.property(tree, anyParams, (nodes, params) => {
        const template = source(nodes);
        expect(validateTemplateSyntax(template)).toEqual([]);
        expect(compileTemplate(template).render(params).content).toBe(reference(nodes, params, false));
      }),
      { numRuns: 1000 },
    );
  });

  it('random mutations of valid templates either render or throw TemplateSyntaxError', () => {
    const mutation = fc.tuple(fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), syntaxChar);
    fc.assert(
      fc.property(tree, fc.array(mutation, { minLength: 1, maxLength: 4 }), anyParams, (nodes, mutations, params) => {
        let template = source(nodes);
        for (const [kind, at, char] of mutations) {
          const position = template.length === 0 ? 0 : at % (template.length + 1);
          if (kind === 'insert') template = template.slice(0, position) + char + template.slice(position);
          else if (kind === 'delete') template = template.slice(0, position) + template.slice(position + 1);
          else template = template.slice(0, position) + char + template.slice(position + 1);
        }
        checkTemplate(template, params);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('fuzz: pathological input', () => {
  // Each of these would take minutes with a quadratic scan; a linear parser finishes at once.
  const size = 40_000;
  it.each([
    ['unclosed variables', '{{'.repeat(size / 2)],
    ['unclosed sections', '(('.repeat(size / 2)],
    ['open single parentheses in a section', `((${'('.repeat(size)}`],
    ['malformed variables far from their close', `${'{{a b '.repeat(size / 6)}}}`],
    ['backslash runs', `${'\\'.repeat(size)}{{a}}`],
    ['brace runs', `${'{'.repeat(size)}a}}`],
    ['deep nesting', `${'(('.repeat(size / 4)}{{a}}${'))'.repeat(size / 4)}`],
    ['many distinct unresolved variables', Array.from({ length: size / 10 }, (_, k) => `{{v${k}}}`).join(' ')],
  ])('%s', (_name, template) => {
    const issues = validateTemplateSyntax(template);
    if (issues.length === 0) expect(typeof compileTemplate(template).render({ a: 1 }).content).toBe('string');
    else expect(() => compileTemplate(template)).toThrow(TemplateSyntaxError);
  });
});
