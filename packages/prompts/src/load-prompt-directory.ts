import { readFileSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import type { RagConfig } from '@dk/rag';
import { deepFreeze } from './deep-freeze.js';
import { parsePromptSource } from './parse-prompt-source.js';
import type { ParsedPromptSource } from './parse-prompt-source.js';
import type { PromptDefinition } from './prompt-definition.js';
import type { PromptProblem } from './prompt-problem.js';
import { createPromptStore } from './prompt-store.js';
import type { PromptStore } from './prompt-store.js';

const folders = ['system', 'user', 'rag'] as const;
const namePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/** Parse results by file path and text, so a reload re-parses only the files that changed. */
export type ParseCache = Map<string, { readonly text: string; readonly parsed: ParsedPromptSource }>;

/** The outcome of reading a prompt directory. */
export interface LoadedPromptDirectory {
  readonly store: PromptStore;
  readonly problems: readonly PromptProblem[];
  /** Number of files read. */
  readonly fileCount: number;
  /** Files that had problems, with the entry name they would have defined. */
  readonly failed: readonly {
    readonly folder: 'system' | 'user' | 'rag';
    readonly name: string;
    readonly file: string;
  }[];
}

/**
 * Reads `system/`, `user/` and `rag/` under `directory` (recursively; nested folders give
 * names like `billing/refund`), parsing and checking every file with one of `extensions`.
 * Collects every problem instead of stopping at the first.
 */
export async function loadPromptDirectory(
  directory: string,
  options: { readonly libraryName: string; readonly extensions: readonly string[]; readonly cache?: ParseCache },
): Promise<LoadedPromptDirectory> {
  const store = createPromptStore();
  const problems: PromptProblem[] = [];
  const failed: { folder: 'system' | 'user' | 'rag'; name: string; file: string }[] = [];
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) {
    problems.push({
      code: 'PROMPT_DIRECTORY',
      file: directory,
      line: undefined,
      column: undefined,
      path: '',
      message: info
        ? 'is not a directory. Pass the folder that holds system/, user/ and rag/.'
        : 'does not exist. Pass the folder that holds system/, user/ and rag/.',
    });
    return { store, problems, fileCount: 0, failed };
  }
  const extensions = options.extensions.map((extension) => extension.toLowerCase());
  let fileCount = 0;
  // Only files seen in this pass stay cached, so deleted files do not linger.
  const nextCache: ParseCache | undefined = options.cache ? new Map() : undefined;
  await Promise.all(
    folders.map(async (folder) => {
      const root = join(directory, folder);
      const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return [];
          throw error;
        },
      );
      const files = entries
        .filter((entry) => entry.isFile())
        .map((entry) => join(entry.parentPath, entry.name))
        .filter((file) => extensions.some((extension) => file.toLowerCase().endsWith(extension)))
        .sort();
      fileCount += files.length;
      const texts = await readTexts(files);
      const seen = new Map<string, string>();
      files.forEach((file, index) => {
        const fromCwd = relative(process.cwd(), file);
        const shown = fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? file : fromCwd;
        const withoutExtension = relative(root, file).slice(
          0,
          -(extensions.find((extension) => file.toLowerCase().endsWith(extension))?.length ?? 0),
        );
        const name = withoutExtension.split(sep).join('/');
        if (!namePattern.test(name) || name.split('/').some((segment) => segment === '.' || segment === '..')) {
          problems.push({
            code: 'PROMPT_NAME',
            file: shown,
            line: undefined,
            column: undefined,
            path: '',
            message: `"${name}" is not a valid prompt name. Rename the file using letters, digits, _ - . only.`,
          });
          return;
        }
        const earlier = seen.get(name);
        if (earlier !== undefined) {
          problems.push({
            code: 'PROMPT_DUPLICATE',
            file: shown,
            line: undefined,
            column: undefined,
            path: '',
            message: `defines ${folder}/${name} again (also in ${earlier}). Keep one of the two files.`,
          });
          return;
        }
        seen.set(name, shown);
        const text = texts[index]!;
        const cached = options.cache?.get(file);
        const parsed =
          cached?.text === text
            ? cached.parsed
            : parsePromptSource(text, { file: shown, kind: folder === 'rag' ? 'rag' : 'prompt' });
        nextCache?.set(file, { text, parsed });
        problems.push(...parsed.problems);
        if (!parsed.value) {
          failed.push({ folder, name, file: shown });
          return;
        }
        if (folder === 'rag') {
          store.rag.set(
            name,
            deepFreeze({
              name,
              config: parsed.value as unknown as RagConfig,
              library: options.libraryName,
              file: shown,
              locator: parsed.locator,
            }),
          );
        } else {
          store[folder].set(
            name,
            deepFreeze({
              name,
              kind: folder,
              definition: parsed.value as PromptDefinition,
              library: options.libraryName,
              file: shown,
              locator: parsed.locator,
            }),
          );
        }
      });
    }),
  );
  problems.sort(
    (left, right) =>
      left.file.localeCompare(right.file) ||
      (left.line ?? 0) - (right.line ?? 0) ||
      (left.column ?? 0) - (right.column ?? 0),
  );
  if (options.cache && nextCache) {
    options.cache.clear();
    for (const [file, entry] of nextCache) options.cache.set(file, entry);
  }
  return { store, problems, fileCount, failed };
}

/**
 * Reads small files synchronously in batches, yielding to the event loop between batches:
 * for a tree of small prompt files this is about ten times faster than one async read per
 * file (each of those is several thread-pool round trips), and the loop stays responsive.
 */
async function readTexts(files: readonly string[]): Promise<string[]> {
  const texts: string[] = [];
  for (let index = 0; index < files.length; index++) {
    if (index > 0 && index % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
    texts.push(readFileSync(files[index]!, 'utf8'));
  }
  return texts;
}
