import { watch } from 'node:fs';
import type { FSWatcher } from 'node:fs';
import { resolve } from 'node:path';
import { checkOptions, InvalidOptionsError } from '@dk/spec';
import { loadPromptDirectory } from './load-prompt-directory.js';
import type { ParseCache } from './load-prompt-directory.js';
import type { PromptKind } from './prompt-definition.js';
import { PromptFileError } from './prompt-file-error.js';
import type { PromptEntry, PromptLibrary, RagConfigEntry } from './prompt-library.js';
import type { PromptProblem } from './prompt-problem.js';
import type { PromptStore } from './prompt-store.js';
import { storeNames } from './prompt-store.js';
import { validatePromptName } from './validate-prompt-name.js';

/** Settings of a {@link FileSystemPromptLibrary}. */
export interface FileSystemPromptLibrarySettings {
  /** Name used in errors and results. Default: the directory path. */
  readonly name?: string;
  /** File extensions read (case-insensitive). Default `.yaml`, `.yml`, `.json`. */
  readonly extensions?: readonly string[];
  /**
   * Development mode: watch the directory and reload after edits (debounced). A reload that
   * finds problems keeps the previous prompts and reports the error to `onReload`.
   */
  readonly watch?: boolean;
  /** Called after each watch-triggered reload, with the error when it failed. */
  readonly onReload?: (error: PromptFileError | undefined) => void;
  /** Quiet time before a watch-triggered reload, in milliseconds. Default 50. */
  readonly watchDebounceMs?: number;
  /**
   * What an invalid file does to a load:
   * - `'throw'` (default): the load fails with {@link PromptFileError} listing every problem,
   *   so nothing renders from a broken tree;
   * - `'skip'`: the valid files load and the invalid ones are left out (a prompt that
   *   extends a skipped one then fails when it is rendered); their problems are in
   *   {@link FileSystemPromptLibrary.problems};
   * - a function: as `'skip'`, and it is called with a `PromptFileError` listing the
   *   problems after every load or reload that had any.
   *
   * A missing or unreadable directory fails the load whatever the policy.
   */
  readonly onInvalid?: 'throw' | 'skip' | ((error: PromptFileError) => void);
}

const settingNames = ['name', 'extensions', 'watch', 'onReload', 'watchDebounceMs', 'onInvalid'];

/**
 * Prompts from a directory laid out as `system/`, `user/` and `rag/` (nested folders give
 * names like `billing/refund`). The whole tree is read and checked on first use (or
 * `load()`); by default any problem in any file fails the load with {@link PromptFileError}
 * listing every problem with file, line and column, so nothing renders from a broken tree
 * (`onInvalid: 'skip'` loads the valid files instead and reports the others).
 *
 * Symbolic links are followed only when their target is inside the directory; a link that
 * points outside it (or nowhere), the `system/` folder itself included, is not read and is
 * reported as a problem.
 */
export class FileSystemPromptLibrary implements PromptLibrary {
  readonly name: string;
  /** Absolute path of the prompt directory. */
  readonly directory: string;

  readonly #settings: FileSystemPromptLibrarySettings;
  #store: PromptStore | undefined;
  #loading: Promise<PromptStore> | undefined;
  #watcher: FSWatcher | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #revision = 0;
  #problems: readonly PromptProblem[] = [];
  readonly #parsed: ParseCache = new Map();

  /** Problems of the files the last successful load left out (always empty with `onInvalid: 'throw'`). */
  get problems(): readonly PromptProblem[] {
    return this.#problems;
  }

  /** Changes on every successful load or reload. */
  get revision(): number {
    return this.#revision;
  }

  constructor(directory: string, settings: FileSystemPromptLibrarySettings = {}) {
    const invalid = (message: string) =>
      new InvalidOptionsError({ component: 'FileSystemPromptLibrary', unknown: [], suggestions: {}, message });
    if (typeof directory !== 'string' || directory === '') {
      throw invalid(
        `FileSystemPromptLibrary needs the path of the folder that holds system/, user/ and rag/, got ${directory === '' ? 'an empty string' : typeof directory}.`,
      );
    }
    checkOptions('FileSystemPromptLibrary', settings, settingNames);
    const { onInvalid } = settings;
    if (onInvalid !== undefined && onInvalid !== 'throw' && onInvalid !== 'skip' && typeof onInvalid !== 'function') {
      throw invalid(`onInvalid must be 'throw', 'skip' or a function, got ${JSON.stringify(onInvalid)}.`);
    }
    this.directory = resolve(directory);
    this.name = settings.name ?? directory;
    this.#settings = settings;
  }

  /** Reads the directory if it has not been read yet. Rejects with {@link PromptFileError}. */
  async load(): Promise<void> {
    await this.#ensure();
  }

  /**
   * Reads the directory again (re-parsing only files whose text changed). On success the new
   * prompts replace the old ones at once; on failure the previous prompts stay and the error
   * is thrown.
   */
  async reload(): Promise<void> {
    const next = this.#read();
    const loading = next.then(({ store }) => store);
    // Rejections are handled below through `next`; this copy only serves concurrent lookups.
    loading.catch(() => undefined);
    this.#loading = loading;
    try {
      const { store, problems } = await next;
      this.#store = store;
      this.#problems = problems;
      this.#revision++;
    } catch (error) {
      this.#loading = this.#store ? Promise.resolve(this.#store) : undefined;
      throw error;
    }
  }

  /** Stops watching. Lookups keep working from the last loaded prompts. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  async getPrompt(kind: PromptKind, name: string): Promise<PromptEntry | undefined> {
    validatePromptName(name);
    return (await this.#ensure())[kind].get(name);
  }

  async listPrompts(kind: PromptKind): Promise<string[]> {
    return storeNames(await this.#ensure(), kind);
  }

  async getRagConfig(name: string): Promise<RagConfigEntry | undefined> {
    validatePromptName(name);
    return (await this.#ensure()).rag.get(name);
  }

  async listRagConfigs(): Promise<string[]> {
    return storeNames(await this.#ensure(), 'rag');
  }

  #ensure(): Promise<PromptStore> {
    if (this.#store) return Promise.resolve(this.#store);
    if (!this.#loading) {
      const loading = this.#read().then(
        ({ store, problems }) => {
          this.#store = store;
          this.#problems = problems;
          this.#revision++;
          this.#startWatching();
          return store;
        },
        (error: unknown) => {
          if (this.#loading === loading) this.#loading = undefined;
          throw error;
        },
      );
      this.#loading = loading;
    }
    return this.#loading;
  }

  async #read(): Promise<{ readonly store: PromptStore; readonly problems: readonly PromptProblem[] }> {
    const loaded = await loadPromptDirectory(this.directory, {
      libraryName: this.name,
      extensions: this.#settings.extensions ?? ['.yaml', '.yml', '.json'],
      cache: this.#parsed,
    });
    const { problems } = loaded;
    const policy = this.#settings.onInvalid ?? 'throw';
    if (problems.length === 0) return { store: loaded.store, problems };
    if (policy === 'throw' || problems.some((problem) => problem.code === 'PROMPT_DIRECTORY')) {
      throw new PromptFileError({ problems });
    }
    if (typeof policy === 'function') policy(new PromptFileError({ problems }));
    return { store: loaded.store, problems };
  }

  #startWatching(): void {
    if (!this.#settings.watch || this.#watcher || this.#closed) return;
    const delay = this.#settings.watchDebounceMs ?? 50;
    this.#watcher = watch(this.directory, { recursive: true, persistent: false }, () => {
      if (this.#timer) clearTimeout(this.#timer);
      this.#timer = setTimeout(() => {
        this.reload().then(
          () => this.#settings.onReload?.(undefined),
          (error: unknown) =>
            this.#settings.onReload?.(
              PromptFileError.isInstance(error) ? error : new PromptFileError({ problems: [], cause: error }),
            ),
        );
      }, delay);
    });
    this.#watcher.on('error', () => {
      this.#watcher?.close();
      this.#watcher = undefined;
    });
  }
}
