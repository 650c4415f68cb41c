import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseWithYamlPackage } from 'yaml';
import { parsePromptSource } from './parse-prompt-source.js';

const parse = (text: string, kind: 'prompt' | 'rag' = 'prompt', file = 'system/x.yaml') =>
  parsePromptSource(text, { file, kind });

describe('parsePromptSource', () => {
  it('accepts a valid prompt file', () => {
    const parsed = parse(
      'template: "Hi {{name}}"\ndefaults:\n  name: Ann\nvalidation:\n  level: warn\n  required_params: [name]\n',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.value).toEqual({
      template: 'Hi {{name}}',
      defaults: { name: 'Ann' },
      validation: { level: 'warn', required_params: ['name'] },
    });
  });

  it('reports an unknown field with did-you-mean at the key position', () => {
    const parsed = parse('template: "Hi"\ndefualts:\n  name: Ann\n');
    expect(parsed.value).toBeUndefined();
    expect(parsed.problems).toEqual([
      {
        code: 'PROMPT_SCHEMA',
        file: 'system/x.yaml',
        line: 2,
        column: 1,
        path: 'defualts',
        message: 'unknown field "defualts". Did you mean "defaults"? Rename the field.',
      },
    ]);
  });

  it('reports nested unknown fields, bad enums and wrong types with their paths and positions', () => {
    const parsed = parse(
      'template: "Hi"\nvalidation:\n  level: fatal\n  required_param: [a]\nrag_configs:\n  - adapter_name: docs\n    query: q\n    k: "five"\n',
    );
    const shown = parsed.problems.map(
      (problem) => `${problem.line}:${problem.column} ${problem.path}: ${problem.message}`,
    );
    expect(shown).toEqual([
      '4:3 validation.required_param: unknown field "required_param". Did you mean "required_params"? Rename the field.',
      '3:10 validation.level: must be one of "error", "warn", "ignore", got string "fatal".',
      '8:8 rag_configs[0].k: must be an integer, got string "five".',
    ]);
  });

  it('requires a template or extends', () => {
    const parsed = parse('defaults: {a: 1}\n');
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]!.message).toMatch(/needs "template" .* or "extends"/);
  });

  it('reports YAML syntax errors and duplicate keys with positions', () => {
    const duplicate = parse('template: a\ntemplate: b\n');
    expect(duplicate.problems[0]).toMatchObject({ code: 'PROMPT_YAML', line: 2, column: 1 });
    expect(duplicate.problems[0]!.message).toMatch(/Map keys must be unique/);
    const broken = parse('template: "unclosed\n');
    expect(broken.problems[0]).toMatchObject({ code: 'PROMPT_YAML', line: 2, column: 1 });
    expect(broken.problems[0]!.message).toMatch(/Missing closing "quote/);
  });

  it('maps a template syntax error inside a literal block to the exact file position', () => {
    const text = 'metadata: {}\ntemplate: |\n  Line one\n  Hello {{ bad name }} there\n';
    const [problem] = parse(text).problems;
    // The template parser points at "name" (template line 2, column 14): two columns of indentation further in the file.
    expect(problem).toMatchObject({ code: 'TEMPLATE_SYNTAX', path: 'template', line: 4, column: 16 });
    expect(text.split('\n')[3]!.slice(problem!.column! - 1)).toMatch(/^name \}\}/);
    expect(problem!.message).toMatch(/template line 2, column 14/);
  });

  it('handles chomping and explicit indentation indicators on literal blocks', () => {
    expect(parse('template: |-\n  ok\n  {{ a b }}\n').problems[0]).toMatchObject({ line: 3, column: 8 });
    // |2: content indentation is 2; the extra spaces belong to the text.
    expect(parse('template: |2\n    indented\n  {{ a b }}\n').problems[0]).toMatchObject({ line: 3, column: 8 });
    expect(parse('sections:\n  A: |1\n     x {{ a b }}\ntemplate: "{{A}}"\n').problems[0]).toMatchObject({
      path: 'sections.A',
      line: 3,
      column: 13,
    });
  });

  it('maps template errors in quoted, folded and section strings to where they are written', () => {
    const quoted = parse('template: "Hello (( {{name}}"\n').problems[0]!;
    expect(quoted).toMatchObject({ line: 1, column: 18 });
    const folded = parse('template: >\n  First line\n  then {{ broken\n').problems[0]!;
    expect(folded).toMatchObject({ line: 3, column: 8 });
    const section = parse('template: "{{A}}"\nsections:\n  A: |\n    ok\n    {{ x y }}\n').problems[0]!;
    expect(section).toMatchObject({ path: 'sections.A', line: 5, column: 10 });
  });

  it('checks templates inside RAG configs', () => {
    const [problem] = parse('adapter_name: docs\nquery: "{{topic"\n', 'rag', 'rag/docs.yaml').problems;
    expect(problem).toMatchObject({
      code: 'TEMPLATE_SYNTAX',
      file: 'rag/docs.yaml',
      path: 'query',
      line: 2,
      column: 9,
    });
    const missing = parse('query: x\nscore_treshold: 0.5\n', 'rag').problems.map((entry) => entry.message);
    expect(missing).toContain('unknown field "score_treshold". Did you mean "score_threshold"? Rename the field.');
    expect(missing.some((message) => message.includes('missing required field "adapter_name"'))).toBe(true);
  });

  it('reads JSON files with positions', () => {
    const parsed = parse('{\n  "template": "Hi",\n  "extend": "base"\n}\n', 'prompt', 'user/x.json');
    expect(parsed.problems[0]).toMatchObject({ line: 3, column: 3, path: 'extend' });
    expect(parsed.problems[0]!.message).toMatch(/Did you mean "extends"/);
  });

  it('treats a document that is only a string as the template, and rejects an empty file', () => {
    expect(parse('Hello {{name}}\n').value).toEqual({ template: 'Hello {{name}}' });
    expect(parse('').problems[0]!.message).toMatch(/file is empty/);
  });

  it('rejects names with traversal in extends and rag_config_refs', () => {
    const problems = parse('extends: ../secrets\nrag_config_refs: [/etc/passwd]\n').problems;
    expect(problems.map((problem) => problem.path)).toEqual(['extends', 'rag_config_refs[0]']);
  });

  it('reads every guide prompt file exactly as the yaml package does', () => {
    const root = fileURLToPath(new URL('./__fixtures__/guide-prompts/', import.meta.url));
    const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8');
      const parsed = parsePromptSource(text, { file, kind: file.includes('rag/') ? 'rag' : 'prompt' });
      expect(parsed.problems).toEqual([]);
      expect(parsed.value).toEqual(parseWithYamlPackage(text));
    }
  });

  describe('hostile and sloppy files', () => {
    const bomb = [
      'template: "Hi {{name}}"',
      'defaults:',
      '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
      ...['b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'].map(
        (name, index) => `  ${name}: &${name} [${Array(9).fill(`*${'abcdefghij'[index]}`).join(', ')}]`,
      ),
      '',
    ].join('\n');

    it('stops a YAML alias bomb in defaults with a positioned error instead of expanding it', () => {
      expect(bomb.length).toBeGreaterThan(500);
      expect(bomb.length).toBeLessThan(600);
      const parsed = parse(bomb);
      expect(parsed.value).toBeUndefined();
      expect(parsed.problems).toHaveLength(1);
      expect(parsed.problems[0]).toMatchObject({ code: 'PROMPT_YAML', file: 'system/x.yaml', line: 5 });
      expect(parsed.problems[0]!.message).toMatch(/aliases expand too much/);
    });

    it('keeps ordinary anchors and aliases working', () => {
      const parsed = parse('template: "{{a}} {{b}}"\ndefaults:\n  a: &shared [x, y]\n  b: *shared\n');
      expect(parsed.problems).toEqual([]);
      expect(parsed.value!['defaults']).toEqual({ a: ['x', 'y'], b: ['x', 'y'] });
    });

    it.each([
      [
        'YAML flow',
        'system/x.yaml',
        (depth: number) => `template: hi\ndefaults:\n  x: ${'['.repeat(depth)}${']'.repeat(depth)}\n`,
      ],
      [
        'YAML block',
        'system/x.yaml',
        (depth: number) =>
          `template: hi\ndefaults:\n${Array.from({ length: depth }, (_, level) => `${'  '.repeat(level + 1)}k:`).join('\n')} 1\n`,
      ],
      [
        'JSON',
        'system/x.json',
        (depth: number) => `{"template": "hi", "defaults": {"x": ${'['.repeat(depth)}${']'.repeat(depth)}}}`,
      ],
    ])('refuses %s values nested 10,000 deep with a typed, positioned problem (no RangeError)', (_kind, file, text) => {
      const parsed = parse(text(10_000), 'prompt', file);
      expect(parsed.value).toBeUndefined();
      expect(parsed.problems.length).toBeGreaterThan(0);
      expect(parsed.problems[0]!.line).toBeGreaterThanOrEqual(1);
      expect(parsed.problems[0]!.message).toMatch(/nested (too deeply|more than 64 levels deep)/);
      // 60 levels are fine.
      expect(parse(text(60), 'prompt', file).problems).toEqual([]);
    });

    it('reads .json files as strict JSON: a trailing comma is an error at its line', () => {
      const parsed = parse('{\n  "template": "Hi",\n}\n', 'prompt', 'user/x.json');
      expect(parsed.problems).toEqual([
        {
          code: 'PROMPT_JSON',
          file: 'user/x.json',
          line: 3,
          column: 1,
          path: '',
          message: 'invalid JSON: trailing comma before "}" (not allowed in JSON).',
        },
      ]);
      expect(parse('{"template": "a", "template": "b"}', 'prompt', 'user/x.json').problems[0]!.message).toMatch(
        /duplicate key "template"/,
      );
      expect(parse("{'template': 'a'}", 'prompt', 'user/x.json').problems[0]).toMatchObject({ line: 1, column: 2 });
      expect(parse('{"template": "a"} // note', 'prompt', 'user/x.json').problems[0]!.message).toMatch(
        /unexpected "\/" after the value/,
      );
      expect(parse('"Hello {{name}}"', 'prompt', 'user/x.json').value).toEqual({ template: 'Hello {{name}}' });
    });

    it('rejects unknown YAML tags such as !secret with their position', () => {
      const parsed = parse('template: "Hi {{key}}"\ndefaults:\n  key: !secret api_key\n');
      expect(parsed.value).toBeUndefined();
      expect(parsed.problems[0]).toMatchObject({ code: 'PROMPT_YAML', line: 3, column: 8 });
      expect(parsed.problems[0]!.message).toMatch(/Unresolved tag: !secret .*not allowed in prompt files/);
    });
  });
});
