import { closestNames } from '@dk/spec';
import { compileTemplate } from '@dk/templates';
import type { PromptEntry } from './prompt-library.js';
import type { PromptProblem } from './prompt-problem.js';
import type { PromptStore } from './prompt-store.js';
import type { ResolvedPrompt } from './resolve-prompt.js';

const rootOf = (path: string): string => path.split('.')[0]!;

/** Line and column (1-based) of `offset` inside a string value. */
function within(value: string, offset: number): { line: number; column: number; offset: number } {
  const before = value.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1, offset };
}

/**
 * Where `{{path}}` is written: the prompt's own template or sections first, then those of
 * its bases (via the store); the whole prompt when it cannot be found.
 */
function locateVariable(store: PromptStore, prompt: ResolvedPrompt, entry: PromptEntry, path: string) {
  const pattern = new RegExp(`\\{\\{\\s*${path.replace(/\./g, '\\.')}\\s*\\}\\}`);
  const entries = [entry, ...prompt.chain.slice(1).map((link) => store[link.kind].get(link.name))];
  for (const candidate of entries) {
    if (!candidate) continue;
    const { template, sections } = candidate.definition;
    const fields: [readonly (string | number)[], string | undefined][] = [
      [['template'], template],
      ...Object.entries(sections ?? {}).map(([name, text]): [readonly string[], string] => [['sections', name], text]),
    ];
    for (const [field, text] of fields) {
      const match = text === undefined ? null : pattern.exec(text);
      if (match && text !== undefined) {
        return {
          file: candidate.file,
          path: field.join('.'),
          at: candidate.locator.locateInString(field, within(text, match.index), text),
        };
      }
    }
  }
  return { file: entry.file, path: '', at: entry.locator.locate([]) };
}

/**
 * Placeholders of a resolved prompt that nothing can fill: variables outside every optional
 * section whose root name has no default, no `validation` entry, no `metadata.parameters`
 * doc and no RAG config placeholder (sections are already expanded; built-ins fill
 * themselves). Each would reach the model as `{{name}}` unless every caller passes it.
 * `RAG_CONTENT` (or another RAG placeholder of the library) without a RAG config in the
 * prompt is named as such: the forgotten `rag_config_refs` case.
 */
export function findUnfilledPlaceholders(
  store: PromptStore,
  entry: PromptEntry,
  prompt: ResolvedPrompt,
): PromptProblem[] {
  const ragPlaceholders = new Set(prompt.ragRequests.map((request) => request.config.placeholder ?? 'RAG_CONTENT'));
  const declared = new Set([
    ...Object.keys(prompt.defaults),
    ...Object.keys(prompt.metadata.parameters ?? {}),
    ...(prompt.validation?.required_params ?? []).map(rootOf),
    ...(prompt.validation?.optional_params ?? []).map(rootOf),
    ...ragPlaceholders,
  ]);
  const libraryPlaceholders = new Set(['RAG_CONTENT']);
  for (const rag of store.rag.values()) libraryPlaceholders.add(rag.config.placeholder ?? 'RAG_CONTENT');
  // With no params at all, exactly the variables outside every section stay verbatim.
  const { unresolved } = compileTemplate(prompt.template).render(
    {},
    { validation: { level: 'ignore' }, clock: () => new Date(0) },
  );
  const problems: PromptProblem[] = [];
  for (const path of unresolved) {
    const root = rootOf(path);
    if (declared.has(root)) continue;
    const { file, path: field, at } = locateVariable(store, prompt, entry, path);
    const [suggestion] = closestNames(root, declared, 1);
    const message = libraryPlaceholders.has(root)
      ? `{{${path}}} is a RAG placeholder, but this prompt has no RAG config that fills it, so it would reach the model verbatim. Add rag_config_refs (or rag_configs) with placeholder ${root}.`
      : `{{${path}}} has nothing to fill it: no default, no validation entry, no metadata.parameters doc, no section and no RAG config. Unless every caller passes it, it reaches the model verbatim.${suggestion === undefined ? ` Declare it (e.g. validation.required_params: [${root}]) or fix the name.` : ` Did you mean {{${suggestion}}}?`}`;
    problems.push({
      code: 'PROMPT_PLACEHOLDER_UNFILLED',
      file,
      line: at?.line,
      column: at?.column,
      path: field,
      message,
    });
  }
  return problems;
}
