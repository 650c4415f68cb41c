import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileSystemPromptLibrary } from './file-system-prompt-library.js';
import { lintPromptDirectory } from './lint-prompt-directory.js';
import { PromptFileError } from './prompt-file-error.js';

const directories: string[] = [];

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'dk-prompts-'));
  directories.push(root);
  for (const [path, text] of Object.entries(files)) write(root, path, text);
  return root;
}

function write(root: string, path: string, text: string): void {
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
}

afterEach(() => {
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

describe('FileSystemPromptLibrary', () => {
  it('reads system/, user/ and rag/ with nested names and .yaml/.yml/.json', async () => {
    const root = tree({
      'system/assistant.yaml': 'template: You help.\n',
      'system/billing/refund.yml': 'template: Refund {{order}}\n',
      'user/ask.json': '{"template": "Q: {{q}}"}',
      'rag/docs_search.yaml': 'adapter_name: docs\nquery: "{{q}}"\n',
      'system/notes.txt': 'ignored',
      'README.md': '# ignored',
    });
    const library = new FileSystemPromptLibrary(root, { name: 'files' });
    expect(await library.listPrompts('system')).toEqual(['assistant', 'billing/refund']);
    expect(await library.listPrompts('user')).toEqual(['ask']);
    expect(await library.listRagConfigs()).toEqual(['docs_search']);
    const refund = await library.getPrompt('system', 'billing/refund');
    expect(refund).toMatchObject({
      name: 'billing/refund',
      kind: 'system',
      library: 'files',
      definition: { template: 'Refund {{order}}' },
    });
    expect(refund!.file).toMatch(/system\/billing\/refund\.yml$/);
    expect(Object.isFrozen(refund!.definition)).toBe(true);
    expect(await library.getPrompt('user', 'missing')).toBeUndefined();
    expect((await library.getRagConfig('docs_search'))!.config).toEqual({ adapter_name: 'docs', query: '{{q}}' });
  });

  it('fails the load with every problem of every file, positioned', async () => {
    const root = tree({
      'system/a.yaml': 'template: ok\ndefualts: {}\n',
      'system/b.yaml': 'template: |\n  Hello {{ name\n',
      'user/c.yaml': 'template: "x"\nvalidation:\n  level: loud\n',
      'system/d.yaml': 'template: fine\n',
      'system/d.json': '{"template": "duplicate"}',
    });
    const library = new FileSystemPromptLibrary(root);
    const failure = await library.load().catch((error: unknown) => error);
    expect(PromptFileError.isInstance(failure)).toBe(true);
    const problems = (failure as PromptFileError).problems.map(
      (problem) => `${problem.file.split('/').slice(-2).join('/')}:${problem.line}:${problem.column} ${problem.code}`,
    );
    expect(problems).toEqual([
      'system/a.yaml:2:1 PROMPT_SCHEMA',
      'system/b.yaml:2:9 TEMPLATE_SYNTAX',
      'system/d.yaml:undefined:undefined PROMPT_DUPLICATE',
      'user/c.yaml:3:10 PROMPT_SCHEMA',
    ]);
    // Every lookup reports the same problems; nothing renders from a broken tree.
    await expect(library.getPrompt('system', 'd')).rejects.toBeInstanceOf(PromptFileError);
  });

  it('reports a missing directory', async () => {
    const library = new FileSystemPromptLibrary(join(tmpdir(), 'dk-prompts-does-not-exist'));
    await expect(library.load()).rejects.toThrow(
      /does not exist. Pass the folder that holds system\/, user\/ and rag\//,
    );
  });

  it('rejects traversal and absolute names before touching the file system', async () => {
    const library = new FileSystemPromptLibrary(tree({ 'system/a.yaml': 'template: a\n' }));
    await expect(library.getPrompt('system', '../user/a')).rejects.toThrow(/"\.\." segment/);
    await expect(library.getPrompt('system', '/etc/passwd')).rejects.toThrow(/absolute path/);
    await expect(library.getRagConfig('C:\\x')).rejects.toThrow(/absolute path/);
  });

  it('reload() picks up edits, and keeps the previous prompts when the new files are broken', async () => {
    const root = tree({ 'system/a.yaml': 'template: one\n' });
    const library = new FileSystemPromptLibrary(root);
    const first = await library.getPrompt('system', 'a');
    write(root, 'system/a.yaml', 'template: two\n');
    write(root, 'system/b.yaml', 'template: new\n');
    expect(await library.getPrompt('system', 'a')).toBe(first);
    await library.reload();
    expect((await library.getPrompt('system', 'a'))!.definition.template).toBe('two');
    expect(await library.listPrompts('system')).toEqual(['a', 'b']);
    // A reload re-parses only files whose text changed.
    const unchanged = (await library.getPrompt('system', 'b'))!.definition;
    write(root, 'system/a.yaml', 'template: three\n');
    await library.reload();
    expect((await library.getPrompt('system', 'b'))!.definition).toBe(unchanged);
    expect((await library.getPrompt('system', 'a'))!.definition.template).toBe('three');
    write(root, 'system/a.yaml', 'template: [broken\n');
    await expect(library.reload()).rejects.toBeInstanceOf(PromptFileError);
    expect((await library.getPrompt('system', 'a'))!.definition.template).toBe('three');
  });

  it('watch mode reloads after an edit', async () => {
    const root = tree({ 'system/a.yaml': 'template: one\n' });
    const reloads: (PromptFileError | undefined)[] = [];
    const library = new FileSystemPromptLibrary(root, {
      watch: true,
      watchDebounceMs: 20,
      onReload: (error) => reloads.push(error),
    });
    try {
      await library.load();
      write(root, 'system/a.yaml', 'template: edited\n');
      for (let attempt = 0; attempt < 100 && reloads.length === 0; attempt++)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(reloads[0]).toBeUndefined();
      expect(reloads.length).toBeGreaterThan(0);
      expect((await library.getPrompt('system', 'a'))!.definition.template).toBe('edited');
    } finally {
      await library.close();
    }
  });

  describe('symbolic links', () => {
    it('follows links inside the library and reports (never reads) links that point outside it', async () => {
      const outside = tree({ 'secret.yaml': 'template: "outside text"\n' });
      const root = tree({ 'system/real.yaml': 'template: real\n', 'shared/common.yaml': 'template: shared\n' });
      symlinkSync(join(root, 'system', 'real.yaml'), join(root, 'system', 'alias.yaml'));
      symlinkSync(join(root, 'shared'), join(root, 'system', 'shared'));
      symlinkSync(join(outside, 'secret.yaml'), join(root, 'system', 'leak.yaml'));
      symlinkSync(join(root, 'system', 'gone.yaml'), join(root, 'system', 'dangling.yaml'));
      const failure = await new FileSystemPromptLibrary(root).load().catch((error: unknown) => error);
      expect(PromptFileError.isInstance(failure)).toBe(true);
      const problems = (failure as PromptFileError).problems;
      expect(problems.map((problem) => [problem.code, problem.file.split('/').at(-1)])).toEqual([
        ['PROMPT_SYMLINK', 'dangling.yaml'],
        ['PROMPT_SYMLINK', 'leak.yaml'],
      ]);
      expect(problems[1]!.message).toMatch(/symbolic link to .*secret\.yaml, outside the library/);
      const library = new FileSystemPromptLibrary(root, { onInvalid: 'skip' });
      expect(await library.listPrompts('system')).toEqual(['alias', 'real', 'shared/common']);
      expect((await library.getPrompt('system', 'alias'))!.definition.template).toBe('real');
    });

    it('never follows a system/ folder that links outside the library', async () => {
      const outside = tree({ 'system/stolen.yaml': 'template: "not yours"\n' });
      const root = tree({ 'user/ok.yaml': 'template: ok\n' });
      symlinkSync(join(outside, 'system'), join(root, 'system'));
      const library = new FileSystemPromptLibrary(root, { onInvalid: 'skip' });
      expect(await library.listPrompts('system')).toEqual([]);
      expect(library.problems.map((problem) => problem.code)).toEqual(['PROMPT_SYMLINK']);
      expect((await lintPromptDirectory(root)).problems[0]!.message).toMatch(/outside the library/);
    });
  });

  describe('onInvalid', () => {
    const files = {
      'system/good.yaml': 'template: good\n',
      'system/broken.yaml': 'template: [unclosed\n',
      'user/typo.yaml': 'template: x\ndefualts: {}\n',
    };

    it("'throw' (the default) fails the whole load", async () => {
      await expect(new FileSystemPromptLibrary(tree(files)).load()).rejects.toBeInstanceOf(PromptFileError);
    });

    it("'skip' loads the valid files and keeps the problems of the others", async () => {
      const library = new FileSystemPromptLibrary(tree(files), { onInvalid: 'skip' });
      expect(await library.listPrompts('system')).toEqual(['good']);
      expect(await library.listPrompts('user')).toEqual([]);
      expect(library.problems.map((problem) => [problem.code, problem.file.split('/').at(-1), problem.line])).toEqual([
        ['PROMPT_YAML', 'broken.yaml', 2],
        ['PROMPT_SCHEMA', 'typo.yaml', 2],
      ]);
    });

    it('a callback hears about every load that skipped files, reloads included', async () => {
      const root = tree(files);
      const reports: PromptFileError[] = [];
      const library = new FileSystemPromptLibrary(root, { onInvalid: (error) => reports.push(error) });
      await library.load();
      expect(reports.map((report) => report.problems.length)).toEqual([2]);
      write(root, 'system/broken.yaml', 'template: fixed\n');
      await library.reload();
      expect(await library.listPrompts('system')).toEqual(['broken', 'good']);
      expect(reports).toHaveLength(2);
      expect(library.problems).toHaveLength(1);
    });

    it('still fails on a missing directory, and refuses unknown policies and settings', async () => {
      const missing = new FileSystemPromptLibrary(join(tmpdir(), 'dk-prompts-nope'), { onInvalid: 'skip' });
      await expect(missing.load()).rejects.toThrow(/does not exist/);
      expect(() => new FileSystemPromptLibrary('prompts', { onInvalid: 'ignore' as never })).toThrow(
        /onInvalid must be 'throw', 'skip' or a function/,
      );
      expect(() => new FileSystemPromptLibrary('prompts', { on_invalid: 'skip' } as never)).toThrow(
        /did you mean `onInvalid`/,
      );
      expect(() => new FileSystemPromptLibrary(undefined as never)).toThrow(/needs the path of the folder/);
    });
  });
});
