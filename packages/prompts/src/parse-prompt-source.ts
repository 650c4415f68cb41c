import { CORE_SCHEMA, load as loadYaml } from 'js-yaml';
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

/** Options of {@link parsePromptSource}. */
interface ParseOptions {
  readonly file: string;
  readonly kind: PromptSourceKind;
}

/**
 * Parses a prompt file (YAML, or JSON, which YAML reads too) and checks it: YAML syntax,
 * duplicate keys, the file schema, and the syntax of every template in it, each problem with
 * its line and column in the file.
 *
 * Files are read with js-yaml (YAML 1.2 core schema), which is about ten times faster than
 * the `yaml` package; the `yaml` package's node ranges give line and column, and it is
 * consulted only when a file has problems or a position is asked for later. (The one known
 * difference between the two readers: js-yaml reads `0b101` as the number 5.)
 */
export function parsePromptSource(text: string, options: ParseOptions): ParsedPromptSource {
  let data: unknown;
  try {
    data = loadYaml(text, { schema: CORE_SCHEMA, filename: options.file });
  } catch {
    // Malformed YAML: parse again with positions for precise errors.
    return parseWithPositions(text, options);
  }
  let positions: SourceLocator | undefined;
  const positioned = (): SourceLocator => (positions ??= locatorFor(text));
  const locator: SourceLocator = {
    locate: (path, locateOptions) => positioned().locate(path, locateOptions),
    locateInString: (path, within, value) => positioned().locateInString(path, within, value),
  };
  return check(data, typeof data === 'string', locator, options);
}

function locatorFor(text: string): SourceLocator {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true });
  return createSourceLocator(text, document, lineCounter);
}

/** The slow path: the `yaml` package, with positions for every syntax error. */
function parseWithPositions(text: string, options: ParseOptions): ParsedPromptSource {
  const { file } = options;
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
  const data: unknown = document.toJS({ maxAliasCount: 100 });
  return check(data, isScalar(document.contents), createSourceLocator(text, document, lineCounter), options);
}

function check(
  parsed: unknown,
  scalarDocument: boolean,
  locator: SourceLocator,
  options: ParseOptions,
): ParsedPromptSource {
  const { file, kind } = options;
  let data = parsed;
  if (kind === 'prompt' && typeof data === 'string') data = { template: data };
  if (data === null || data === undefined) {
    return {
      value: undefined,
      problems: [
        {
          code: 'PROMPT_SCHEMA',
          file,
          line: 1,
          column: 1,
          path: '',
          message:
            kind === 'rag'
              ? 'the file is empty. Add adapter_name and query.'
              : 'the file is empty. Add a "template:" (or "extends:").',
        },
      ],
      locator,
    };
  }
  const stringDocument = kind === 'prompt' && scalarDocument && typeof data === 'object';
  const fileLocator = stringDocument ? wrapStringLocator(locator) : locator;
  const problems = checkPromptValue(data, { file, kind, locator: fileLocator });
  return {
    value: problems.length === 0 ? (data as Record<string, unknown>) : undefined,
    problems,
    locator: fileLocator,
  };
}

// A document that is just a string is the template: `template` paths point at the root.
function wrapStringLocator(locator: SourceLocator): SourceLocator {
  const strip = (path: readonly (string | number)[]): readonly (string | number)[] =>
    path[0] === 'template' ? path.slice(1) : path;
  return {
    locate: (path, options) => locator.locate(strip(path), options),
    locateInString: (path, within, value) => locator.locateInString(strip(path), within, value),
  };
}
