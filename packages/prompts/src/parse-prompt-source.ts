import { isScalar, LineCounter, parseDocument } from 'yaml';
import { checkPromptValue } from './check-prompt-value.js';
import type { PromptSourceKind } from './check-prompt-value.js';
import type { PromptProblem } from './prompt-problem.js';
import { createSourceLocator, noSourceLocator } from './source-locator.js';
import type { SourceLocator } from './source-locator.js';

/** The outcome of parsing one prompt or RAG config file. */
export interface ParsedPromptSource {
  /** The parsed value; `undefined` when there are problems. A bare string document becomes `{ template }`. */
  readonly value: Record<string, unknown> | undefined;
  /** Every problem, with positions in the file. */
  readonly problems: readonly PromptProblem[];
  /** Positions of fields, for problems found later (extends chains, RAG refs). */
  readonly locator: SourceLocator;
}

/**
 * Parses a prompt file (YAML, or JSON, which YAML reads too) and checks it: YAML syntax,
 * duplicate keys, the file schema, and the syntax of every template in it, each problem with
 * its line and column in the file.
 */
export function parsePromptSource(text: string, options: { readonly file: string; readonly kind: PromptSourceKind }): ParsedPromptSource {
  const { file, kind } = options;
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error): PromptProblem => {
      const at = error.linePos?.[0];
      return {
        code: 'PROMPT_YAML',
        file,
        line: at?.line,
        column: at?.col,
        path: '',
        message: `invalid ${file.endsWith('.json') ? 'JSON/' : ''}YAML: ${(error.message.split(' at line ')[0] ?? error.message).trim()}.`,
      };
    });
    return { value: undefined, problems, locator: noSourceLocator };
  }
  const locator = createSourceLocator(text, document, lineCounter);
  let data: unknown = document.toJS({ maxAliasCount: 100 });
  if (kind === 'prompt' && typeof data === 'string') data = { template: data };
  if (data === null || data === undefined) {
    return {
      value: undefined,
      problems: [{ code: 'PROMPT_SCHEMA', file, line: 1, column: 1, path: '', message: kind === 'rag' ? 'the file is empty. Add adapter_name and query.' : 'the file is empty. Add a "template:" (or "extends:").' }],
      locator,
    };
  }
  const stringDocument = kind === 'prompt' && typeof data === 'object' && data !== null && isScalar(document.contents);
  const problems = checkPromptValue(data, { file, kind, locator: stringDocument ? wrapStringLocator(locator) : locator });
  return { value: problems.length === 0 ? (data as Record<string, unknown>) : undefined, problems, locator };
}

// A document that is just a string is the template: `template` paths point at the root.
function wrapStringLocator(locator: SourceLocator): SourceLocator {
  const strip = (path: readonly (string | number)[]): readonly (string | number)[] => (path[0] === 'template' ? path.slice(1) : path);
  return {
    locate: (path, options) => locator.locate(strip(path), options),
    locateInString: (path, within, value) => locator.locateInString(strip(path), within, value),
  };
}
