// Writes `templates-fixtures.ts`: the benchmark templates in each engine's syntax and a
// straight-line string-concatenation function per template (the "hand-written" floor).
// The functions are emitted as source once and committed, so the benchmark never generates
// code at run time. Run: pnpm --filter @dk/bench exec tsx src/templates-generate-fixtures.ts
import { writeFileSync } from 'node:fs';

type Block =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'section'; readonly blocks: readonly Block[] };

const T = (text: string): Block => ({ kind: 'text', text });
const V = (name: string): Block => ({ kind: 'var', name });
const S = (...blocks: Block[]): Block => ({ kind: 'section', blocks });

const lorem =
  'The assistant answers questions about the product catalogue, explains policies in plain language, ' +
  'cites the relevant document for each claim and says so when it does not know. ';

const small: Block[] = [T('Hello '), V('name'), S(T(', you are '), V('age'), T(' years old')), T('. Welcome!')];

const medium: Block[] = [
  T('You are a support assistant for '),
  V('company'),
  T(', speaking to '),
  V('user_name'),
  T('.\n'),
  T(lorem),
  T('Today is '),
  V('today'),
  T('.\n'),
  S(T('The customer is on the '), V('plan'), T(' plan; mention upgrades only when asked. ')),
  T(lorem),
  T('Answer in '),
  V('language'),
  T(' and keep replies under '),
  V('max_words'),
  T(' words.\n'),
  S(
    T('Their previous ticket was about '),
    V('last_topic'),
    S(T(', opened on '), V('last_ticket_date')),
    T('. Do not repeat old answers. '),
  ),
  T(lorem),
  T('Tone: '),
  V('tone'),
  T('.\n'),
  S(T('Known account flags: '), V('flags'), T('. ')),
  T(lorem),
  T('Escalate to '),
  V('escalation_team'),
  T(' when the customer asks for a refund.\n'),
  S(T('Extra instructions from the operator: '), V('operator_notes'), T('\n')),
  T('End of instructions.'),
];

const large: Block[] = [];
for (let k = 0; k < 20; k++) {
  large.push(T(`## Part ${k + 1}\n${lorem}${lorem}${lorem}`), T('Key fact: '), V(`fact_${k}`), T('. '));
  if (k < 10) large.push(T('Related: '), V(`related_${k}`), T('. '));
  large.push(S(T(`Optional detail ${k}: `), V(`detail_${k}`), T(` (see appendix ${k}). `)), T(`${lorem}${lorem}\n`));
}

function required(blocks: readonly Block[], out: Set<string>, inSection = false, optional = new Set<string>()): void {
  for (const block of blocks) {
    if (block.kind === 'var') (inSection ? optional : out).add(block.name);
    if (block.kind === 'section') required(block.blocks, out, true, optional);
  }
}

function firstVar(blocks: readonly Block[]): string {
  for (const block of blocks) {
    if (block.kind === 'var') return block.name;
    if (block.kind === 'section') return firstVar(block.blocks);
  }
  throw new Error('section without a variable');
}

const dk = (blocks: readonly Block[]): string =>
  blocks.map((b) => (b.kind === 'text' ? b.text : b.kind === 'var' ? `{{${b.name}}}` : `((${dk(b.blocks)}))`)).join('');
const handlebars = (blocks: readonly Block[]): string =>
  blocks
    .map((b) =>
      b.kind === 'text'
        ? b.text
        : b.kind === 'var'
          ? `{{${b.name}}}`
          : `{{#if ${firstVar(b.blocks)}}}${handlebars(b.blocks)}{{/if}}`,
    )
    .join('');
const mustache = (blocks: readonly Block[]): string =>
  blocks
    .map((b) => {
      if (b.kind !== 'section') return b.kind === 'text' ? b.text : `{{${b.name}}}`;
      const name = firstVar(b.blocks);
      return `{{#${name}}}${mustache(b.blocks)}{{/${name}}}`;
    })
    .join('');
const eta = (blocks: readonly Block[]): string =>
  blocks
    .map((b) =>
      b.kind === 'text'
        ? b.text
        : b.kind === 'var'
          ? `<%= it.${b.name} %>`
          : `<% if (it.${firstVar(b.blocks)}) { %>${eta(b.blocks)}<% } %>`,
    )
    .join('');

/** Straight-line TypeScript that a person would write for the template. */
function handWritten(name: string, blocks: readonly Block[]): string {
  const lines: string[] = [];
  const emit = (list: readonly Block[], indent: string, first: boolean): void => {
    let pieces: string[] = [];
    let started = !first;
    const flush = (): void => {
      if (pieces.length === 0) return;
      lines.push(`${indent}${started ? 's +=' : 'let s ='} ${pieces.join(' + ')};`);
      started = true;
      pieces = [];
    };
    for (const block of list) {
      if (block.kind === 'text') {
        const last = pieces[pieces.length - 1];
        if (last !== undefined && last.startsWith('"'))
          pieces[pieces.length - 1] = JSON.stringify(JSON.parse(last) + block.text);
        else pieces.push(JSON.stringify(block.text));
      } else if (block.kind === 'var') pieces.push(`p.${block.name}`);
      else {
        if (!started && pieces.length === 0) pieces.push("''");
        flush();
        lines.push(`${indent}if (p.${firstVar(block.blocks)}) {`);
        emit(block.blocks, `${indent}  `, false);
        lines.push(`${indent}}`);
      }
    }
    flush();
  };
  emit(blocks, '  ', true);
  return `function ${name}(p: Params): string {\n${lines.join('\n')}\n  return s;\n}\n`;
}

function params(blocks: readonly Block[]): {
  present: Record<string, string | number>;
  absent: Record<string, string | number>;
} {
  const req = new Set<string>();
  const opt = new Set<string>();
  required(blocks, req, false, opt);
  const absent: Record<string, string | number> = {};
  for (const name of req) absent[name] = name === 'max_words' ? 120 : `${name.replace(/_/g, ' ')} value`;
  const present: Record<string, string | number> = { ...absent };
  for (const name of opt) present[name] = name === 'age' ? 30 : `${name.replace(/_/g, ' ')} value`;
  return { present, absent };
}

let source =
  '// Generated by templates-generate-fixtures.ts; do not edit by hand.\n' +
  'type Params = Readonly<Record<string, string | number | undefined>>;\n\n' +
  "/** One benchmark template in every engine's syntax, its params and its hand-written renderer. */\n" +
  'export interface TemplateFixture {\n  readonly name: string;\n  readonly dk: string;\n  readonly handlebars: string;\n  readonly mustache: string;\n  readonly eta: string;\n' +
  '  readonly present: Params;\n  readonly absent: Params;\n  readonly handWritten: (p: Params) => string;\n}\n\n';
const fixtures: string[] = [];
for (const [name, blocks] of [
  ['small', small],
  ['medium', medium],
  ['large', large],
] as const) {
  source += handWritten(`${name}HandWritten`, blocks) + '\n';
  const { present, absent } = params(blocks);
  fixtures.push(
    `  {\n    name: '${name}',\n    dk: ${JSON.stringify(dk(blocks))},\n    handlebars: ${JSON.stringify(handlebars(blocks))},\n` +
      `    mustache: ${JSON.stringify(mustache(blocks))},\n    eta: ${JSON.stringify(eta(blocks))},\n` +
      `    present: ${JSON.stringify(present)},\n    absent: ${JSON.stringify(absent)},\n    handWritten: ${name}HandWritten,\n  }`,
  );
}
source += `export const templateFixtures: readonly TemplateFixture[] = [\n${fixtures.join(',\n')},\n];\n`;
writeFileSync(new URL('./templates-fixtures.ts', import.meta.url), source);
