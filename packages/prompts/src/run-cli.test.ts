import { execFile } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const root = mkdtempSync(join(tmpdir(), 'dk-prompts-lint-'));
const files: Record<string, string> = {
  'system/base.yaml': 'template: "{{ROLE}}"\nsections:\n  ROLE: Base\n',
  'system/typo.yaml': 'template: Hi\ndefualts:\n  a: 1\n',
  'system/bad_template.yaml': 'metadata:\n  author: ann\ntemplate: |\n  Line one\n  Oops {{ unclosed\n',
  'system/loop_a.yaml': 'extends: loop_b\n',
  'system/loop_b.yaml': 'extends: loop_a\n',
  'system/orphan.yaml': 'template: x\nextends: nowhere\n',
  'system/misspelt.yaml': 'extends: bsae\n',
  'system/child_of_broken.yaml': 'extends: typo\n',
  'user/needs_rag.yaml': 'template: "{{RAG_CONTENT}}"\nrag_config_refs:\n  - doc_search\n',
  'rag/docs.yaml': 'adapter_name: vectors\nquery: "{{q}}"\n',
  'user/forgot_rag.yaml': 'template: "Docs: {{RAG_CONTENT}}"\n',
  'user/unused.yaml': 'template: "Review {{code}} in {{q}}"\nvalidation:\n  required_params: [cod, q]\n',
};
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
const clean = mkdtempSync(join(tmpdir(), 'dk-prompts-lint-clean-'));
mkdirSync(join(clean, 'system'));
writeFileSync(join(clean, 'system', 'ok.yaml'), 'template: fine\n');

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(clean, { recursive: true, force: true });
});

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (text) => (stdout += text), stderr: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

describe('dk-prompts lint', () => {
  it('prints every problem as file:line:col message and exits 1', async () => {
    const { code, stdout } = await run(['lint', root, '--adapters', 'docs']);
    expect(code).toBe(1);
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => line.replaceAll(root, '<root>'));
    expect(lines).toHaveLength(12);
    expect(lines[0]).toBe(
      '<root>/rag/docs.yaml:1:15 adapter_name: unknown RAG adapter "vectors". Known adapters: docs. Register it with the builder or fix the name.',
    );
    expect(lines[1]).toMatch(
      /^<root>\/system\/bad_template\.yaml:5:8 template: template syntax error: .*never closed.*\(template line 2, column 6\)$/,
    );
    expect(lines.slice(2)).toEqual([
      '<root>/system/loop_a.yaml:1:10 extends: extends chain loops: system/loop_b → system/loop_a → system/loop_b. Remove one of the extends.',
      '<root>/system/loop_b.yaml:1:10 extends: extends chain loops: system/loop_a → system/loop_b → system/loop_a. Remove one of the extends.',
      '<root>/system/misspelt.yaml:1:10 extends: base prompt "bsae" not found in library "<root>" (chain: system/misspelt → bsae). Did you mean "base"?',
      '<root>/system/orphan.yaml:2:10 extends: base prompt "nowhere" not found in library "<root>" (chain: system/orphan → nowhere). Create system/nowhere.yaml or fix the name.',
      '<root>/system/typo.yaml:2:1 defualts: unknown field "defualts". Did you mean "defaults"? Rename the field.',
      '<root>/user/forgot_rag.yaml:1:18 template: {{RAG_CONTENT}} is a RAG placeholder, but this prompt has no RAG config that fills it, so it would reach the model verbatim. Add rag_config_refs (or rag_configs) with placeholder RAG_CONTENT.',
      '<root>/user/needs_rag.yaml:3:5 rag_config_refs[0]: RAG config "doc_search" not found in library "<root>" (available: docs). Create rag/doc_search.yaml or fix the name.',
      '<root>/user/unused.yaml:1:19 template: {{code}} has nothing to fill it: no default, no validation entry, no metadata.parameters doc, no section and no RAG config. Unless every caller passes it, it reaches the model verbatim. Did you mean {{cod}}?',
      '<root>/user/unused.yaml:3:21 validation.required_params[0]: "cod" is not used by the template or its RAG queries. Did you mean "code"?',
      '11 problems in 12 files checked.',
    ]);
    // A prompt extending a broken file is not reported again: the broken file is.
    expect(stdout).not.toContain('child_of_broken');
  });

  it('--format json gives the structured problems', async () => {
    const { code, stdout } = await run(['lint', root, '--format=json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as {
      fileCount: number;
      problems: { code: string; file: string; line: number; column: number; path: string }[];
    };
    expect(report.fileCount).toBe(12);
    expect(report.problems.map((problem) => problem.code).sort()).toEqual([
      'PROMPT_EXTENDS_CYCLE',
      'PROMPT_EXTENDS_CYCLE',
      'PROMPT_EXTENDS_MISSING',
      'PROMPT_EXTENDS_MISSING',
      'PROMPT_PARAM_UNUSED',
      'PROMPT_PLACEHOLDER_UNFILLED',
      'PROMPT_PLACEHOLDER_UNFILLED',
      'PROMPT_SCHEMA',
      'RAG_REF_MISSING',
      'TEMPLATE_SYNTAX',
    ]);
    expect(report.problems.find((problem) => problem.code === 'PROMPT_SCHEMA')).toMatchObject({
      line: 2,
      column: 1,
      path: 'defualts',
    });
  });

  it('reports hostile and sloppy files with file:line instead of hanging or crashing', async () => {
    const hostile = mkdtempSync(join(tmpdir(), 'dk-prompts-lint-hostile-'));
    try {
      const levels = 'bcdefghij'.split('');
      const bomb = [
        'template: "Hi"',
        'defaults:',
        '  a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]',
        ...levels.map((name, index) => `  ${name}: &${name} [${Array(9).fill(`*${'abcdefghi'[index]}`).join(', ')}]`),
      ].join('\n');
      const hostileFiles: Record<string, string> = {
        'system/bomb.yaml': bomb,
        'system/deep.yaml': `template: hi\ndefaults:\n  x: ${'['.repeat(10_000)}${']'.repeat(10_000)}\n`,
        'system/secret.yaml': 'template: "{{key}}"\ndefaults:\n  key: !secret api_key\n',
        'user/trailing.json': '{\n  "template": "Hi",\n}\n',
      };
      for (const [path, text] of Object.entries(hostileFiles)) {
        mkdirSync(dirname(join(hostile, path)), { recursive: true });
        writeFileSync(join(hostile, path), text);
      }
      const { code, stdout } = await run(['lint', hostile]);
      expect(code).toBe(1);
      const lines = stdout.replaceAll(hostile, '<root>').trim().split('\n');
      expect(lines.map((line) => line.split(' ')[0])).toEqual([
        '<root>/system/bomb.yaml:5:10', // the first alias of an anchor that holds aliases
        expect.stringMatching(/^<root>\/system\/deep\.yaml:3:\d+$/), // where the parser gave up
        '<root>/system/secret.yaml:3:8',
        '<root>/user/trailing.json:3:1',
        '4',
      ]);
      expect(lines[0]).toMatch(/aliases expand too much/);
      expect(lines[1]).toMatch(/nested too deeply/);
      expect(lines[2]).toMatch(/Unresolved tag: !secret/);
      expect(lines[3]).toMatch(/invalid JSON: trailing comma/);
    } finally {
      rmSync(hostile, { recursive: true, force: true });
    }
  });

  it('exits 0 on a clean tree and 2 on usage errors', async () => {
    expect(await run(['lint', clean])).toEqual({ code: 0, stdout: '1 files checked, no problems.\n', stderr: '' });
    expect((await run([])).code).toBe(2);
    expect((await run(['lint'])).stderr).toMatch(/exactly one directory/);
    expect((await run(['lint', clean, '--format', 'xml'])).code).toBe(2);
    expect((await run(['frobnicate'])).stderr).toMatch(/Unknown command "frobnicate"/);
    expect((await run(['--help'])).stdout).toMatch(/Usage: dk-prompts lint <dir>/);
  });

  it('runs as a real process through the bin entry', async () => {
    const packageRoot = fileURLToPath(new URL('..', import.meta.url));
    const manifest = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as {
      bin: Record<string, string>;
    };
    expect(manifest.bin['dk-prompts']).toBe('./bin/dk-prompts.js');
    const launcher = readFileSync(join(packageRoot, 'bin', 'dk-prompts.js'), 'utf8');
    expect(launcher.startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(launcher).toContain("import('../dist/cli.js')");
    expect(readFileSync(join(packageRoot, 'src', 'cli.ts'), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    const tsx = createRequire(import.meta.url).resolve('tsx/cli');
    const failure = await promisify(execFile)(
      process.execPath,
      [tsx, '--conditions=@dk/source', join(packageRoot, 'src', 'cli.ts'), 'lint', root],
      { cwd: packageRoot },
    ).catch((error: { code: number; stdout: string }) => error);
    expect((failure as { code: number }).code).toBe(1);
    expect((failure as { stdout: string }).stdout).toContain('typo.yaml:2:1 defualts: unknown field "defualts"');
    const success = await promisify(execFile)(
      process.execPath,
      [tsx, '--conditions=@dk/source', join(packageRoot, 'src', 'cli.ts'), 'lint', clean],
      { cwd: packageRoot },
    );
    expect(success.stdout).toBe('1 files checked, no problems.\n');
  });
});
