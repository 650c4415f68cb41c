import { resolve as resolvePath } from 'node:path';
import { compileTemplate } from '@dk/templates';
import { closestNames } from '@dk/spec';
import { loadPromptDirectory } from './load-prompt-directory.js';
import type { PromptProblem } from './prompt-problem.js';
import type { PromptEntry } from './prompt-library.js';
import { findUnfilledPlaceholders } from './find-unfilled-placeholders.js';
import { resolvePrompt } from './resolve-prompt.js';
import type { ResolvedPrompt } from './resolve-prompt.js';
import { noSourceLocator } from './source-locator.js';
import { StorePromptLibrary } from './store-prompt-library.js';

/** Options of {@link lintPromptDirectory}. */
export interface LintPromptDirectoryOptions {
  /** Adapter names RAG configs may use; when given, any other `adapter_name` is a problem. */
  readonly adapters?: readonly string[];
  /** File extensions read. Default `.yaml`, `.yml`, `.json`. */
  readonly extensions?: readonly string[];
}

/** What {@link lintPromptDirectory} found. */
export interface LintReport {
  /** Every problem, sorted by file and position. Empty when the tree is clean. */
  readonly problems: readonly PromptProblem[];
  /** Number of prompt and RAG files read. */
  readonly fileCount: number;
}

/**
 * Checks a whole prompt tree without rendering anything: YAML/JSON syntax, the file schema
 * (with did-you-mean for unknown fields), template syntax (positions in the file), `extends`
 * chains (missing bases, cycles), sections, RAG refs, params listed in `validation` that
 * nothing uses, placeholders outside optional sections that nothing declares (no default,
 * validation entry, parameter doc, section or RAG config: they would reach the model as
 * `{{name}}` unless every caller passes them), and — when `adapters` is given — RAG adapter
 * names. What `dk-prompts lint` runs.
 */
export async function lintPromptDirectory(
  directory: string,
  options: LintPromptDirectoryOptions = {},
): Promise<LintReport> {
  const loaded = await loadPromptDirectory(resolvePath(directory), {
    libraryName: directory,
    extensions: options.extensions ?? ['.yaml', '.yml', '.json'],
  });
  const problems = [...loaded.problems];
  // Broken files stand in as empty entries so that prompts extending or referencing them are
  // not also reported as "not found"; problems located in broken files are already reported.
  const brokenFiles = new Set(loaded.failed.map((failure) => failure.file));
  const { store } = loaded;
  for (const failure of loaded.failed) {
    if (failure.folder === 'rag') {
      if (!store.rag.has(failure.name))
        store.rag.set(failure.name, {
          name: failure.name,
          config: { adapter_name: '', query: '' },
          library: directory,
          file: failure.file,
          locator: noSourceLocator,
        });
    } else if (!store[failure.folder].has(failure.name)) {
      store[failure.folder].set(failure.name, {
        name: failure.name,
        kind: failure.folder,
        definition: { template: '' },
        library: directory,
        file: failure.file,
        locator: noSourceLocator,
      });
    }
  }
  const library = new StorePromptLibrary(directory, store);
  const adapterNames = options.adapters ? new Set(options.adapters) : undefined;
  const seen = new Set(problems.map(key));
  for (const kind of ['system', 'user'] as const) {
    for (const entry of store[kind].values()) {
      if (brokenFiles.has(entry.file)) continue;
      const outcome = await resolvePrompt(library, entry, { adapterNames });
      const found = outcome.prompt
        ? [...unusedParams(entry, outcome.prompt), ...findUnfilledPlaceholders(store, entry, outcome.prompt)]
        : [];
      for (const problem of [...(outcome.problems ?? []), ...found]) {
        if (brokenFiles.has(problem.file) || seen.has(key(problem))) continue;
        seen.add(key(problem));
        problems.push(problem);
      }
    }
  }
  if (adapterNames) {
    for (const entry of store.rag.values()) {
      if (brokenFiles.has(entry.file) || adapterNames.has(entry.config.adapter_name)) continue;
      const at = entry.locator.locate(['adapter_name']);
      const problem: PromptProblem = {
        code: 'RAG_ADAPTER_UNKNOWN',
        file: entry.file,
        line: at?.line,
        column: at?.column,
        path: 'adapter_name',
        message: `unknown RAG adapter "${entry.config.adapter_name}". Known adapters: ${[...adapterNames].join(', ') || '(none)'}. Register it with the builder or fix the name.`,
      };
      if (!seen.has(key(problem))) {
        seen.add(key(problem));
        problems.push(problem);
      }
    }
  }
  problems.sort(
    (left, right) =>
      left.file.localeCompare(right.file) ||
      (left.line ?? 0) - (right.line ?? 0) ||
      (left.column ?? 0) - (right.column ?? 0),
  );
  return { problems, fileCount: loaded.fileCount };
}

/** Params listed in the prompt's own validation block that neither its template nor its RAG queries use. */
function unusedParams(entry: PromptEntry, prompt: ResolvedPrompt): PromptProblem[] {
  const validation = entry.definition.validation;
  if (!validation) return [];
  const used = new Set<string>();
  const collect = (template: string | undefined) => {
    if (template === undefined) return;
    for (const path of compileTemplate(template).variables) used.add(path.split('.')[0]!);
  };
  collect(prompt.template);
  for (const request of prompt.ragRequests) {
    collect(request.config.query);
    collect(request.config.header);
    collect(request.config.item_template);
  }
  const problems: PromptProblem[] = [];
  for (const field of ['required_params', 'optional_params'] as const) {
    (validation[field] ?? []).forEach((name, index) => {
      if (used.has(name.split('.')[0]!)) return;
      const [suggestion] = closestNames(name, used, 1);
      const at = entry.locator.locate(['validation', field, index]);
      problems.push({
        code: 'PROMPT_PARAM_UNUSED',
        file: entry.file,
        line: at?.line,
        column: at?.column,
        path: `validation.${field}[${index}]`,
        message: `"${name}" is not used by the template or its RAG queries.${suggestion ? ` Did you mean "${suggestion}"?` : ' Remove it or use it in the template.'}`,
      });
    });
  }
  return problems;
}

function key(problem: PromptProblem): string {
  return `${problem.file}:${problem.line}:${problem.column}:${problem.code}:${problem.message}`;
}
