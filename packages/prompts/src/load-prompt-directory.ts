import { readFileSync } from 'node:fs';
import { lstat, readdir, realpath, stat } from 'node:fs/promises';
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
  const libraryRoot = await realpath(directory);
  const shownPath = (file: string): string => {
    const fromCwd = relative(process.cwd(), file);
    return fromCwd === '' || fromCwd.startsWith('..') || isAbsolute(fromCwd) ? file : fromCwd;
  };
  await Promise.all(
    folders.map(async (folder) => {
      const root = join(directory, folder);
      const walked = await listFiles(root, libraryRoot);
      for (const link of walked.outside) {
        problems.push({
          code: 'PROMPT_SYMLINK',
          file: shownPath(link.path),
          line: undefined,
          column: undefined,
          path: '',
          message:
            link.target === undefined
              ? 'is a symbolic link whose target does not exist. Remove it or point it at a file inside the library.'
              : `is a symbolic link to ${link.target}, outside the library (${libraryRoot}); links are followed only inside the library. Copy the file into the library instead.`,
        });
      }
      const files = walked.files
        .filter((file) => extensions.some((extension) => file.toLowerCase().endsWith(extension)))
        .sort();
      fileCount += files.length;
      const texts = await readTexts(files);
      const seen = new Map<string, string>();
      files.forEach((file, index) => {
        const shown = shownPath(file);
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

/** A symbolic link that was not followed: its target is outside the library (or missing). */
interface SkippedLink {
  readonly path: string;
  /** The resolved target; `undefined` when the link dangles. */
  readonly target: string | undefined;
}

function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/**
 * The files under `folder` (recursively; a missing folder has none). Symbolic links, the
 * folder itself included, are followed only when their real path is inside `libraryRoot`;
 * the others are returned in `outside`, never read. A directory reached twice through
 * links is read once.
 */
async function listFiles(
  folder: string,
  libraryRoot: string,
): Promise<{ readonly files: string[]; readonly outside: SkippedLink[] }> {
  const files: string[] = [];
  const outside: SkippedLink[] = [];
  const visited = new Set<string>();
  const ignoreMissing = (error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  };
  /** Follows `path` when it is a link: the real path when inside the library, else `undefined` (recorded). */
  const follow = async (path: string): Promise<string | undefined> => {
    const target = await realpath(path).catch(ignoreMissing);
    if (target === undefined || !isInside(libraryRoot, target)) {
      outside.push({ path, target });
      return undefined;
    }
    return target;
  };
  const walk = async (directory: string): Promise<void> => {
    const real = await realpath(directory).catch(ignoreMissing);
    if (real === undefined || visited.has(real)) return;
    visited.add(real);
    const entries = (await readdir(directory, { withFileTypes: true }).catch(ignoreMissing)) ?? [];
    for (const entry of entries) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) files.push(path);
      else if (entry.isSymbolicLink()) {
        const target = await follow(path);
        if (target === undefined) continue;
        const info = await stat(target);
        if (info.isDirectory()) await walk(path);
        else if (info.isFile()) files.push(path);
      }
    }
  };
  const info = await lstat(folder).catch(ignoreMissing);
  if (info === undefined) return { files, outside };
  if (info.isSymbolicLink() && (await follow(folder)) === undefined) return { files, outside };
  await walk(folder);
  return { files, outside };
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
