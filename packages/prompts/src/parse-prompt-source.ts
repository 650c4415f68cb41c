import { isCollection, isScalar, parseDocument, visit } from 'yaml';
import type { Document, Node } from 'yaml';
import { checkPromptValue } from './check-prompt-value.js';
import type { PromptSourceKind } from './check-prompt-value.js';
import { findJsonError } from './find-json-error.js';
import { findTooDeepValue, maxPromptValueDepth, maxPromptValueNodes } from './find-too-deep-value.js';
import type { PromptProblem } from './prompt-problem.js';
import { createPositionFinder, createSourceLocator, noSourceLocator } from './source-locator.js';
import type { SourceLocator, SourcePosition } from './source-locator.js';

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
 * Alias expansions allowed per anchor (the `yaml` package's `maxAliasCount`): enough for
 * any real reuse of a block, far too few for an alias bomb.
 */
const maxAliasCount = 100;

/**
 * Parses a prompt file and checks it: syntax, the file schema, and the syntax of every
 * template in it, each problem with its line and column in the file.
 *
 * `.json` files are strict JSON (a trailing comma, a comment or a duplicate key is an error
 * with its position). Everything else is YAML 1.2 (core schema), read with the `yaml`
 * package: duplicate keys, unknown tags (`!secret`) and every other warning of the parser
 * are errors; alias expansion is bounded (an alias bomb is an error at the alias); values
 * nest at most {@link maxPromptValueDepth} levels and a file holds at most
 * {@link maxPromptValueNodes} values, aliases expanded.
 */
export function parsePromptSource(text: string, options: ParseOptions): ParsedPromptSource {
  return options.file.toLowerCase().endsWith('.json') ? parseJson(text, options) : parseYaml(text, options);
}

function problem(options: ParseOptions, at: SourcePosition | undefined, path: string, message: string): PromptProblem {
  return { code: 'PROMPT_YAML', file: options.file, line: at?.line, column: at?.column, path, message };
}

function failed(problems: readonly PromptProblem[]): ParsedPromptSource {
  return { value: undefined, problems, locator: noSourceLocator };
}

function parseYaml(text: string, options: ParseOptions): ParsedPromptSource {
  const position = createPositionFinder(text);
  // prettyErrors off: it would count lines of every file; positions are computed on demand.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const issues = [...document.errors, ...document.warnings];
  if (issues.length > 0) {
    return failed(
      issues.map((issue) =>
        problem(options, position(issue.pos[0]), '', `invalid YAML: ${describeYamlIssue(issue.code, issue.message)}.`),
      ),
    );
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount });
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const alias = explosiveAlias(document);
    return failed([
      problem(
        options,
        alias?.range ? position(alias.range[0]) : { line: 1, column: 1 },
        '',
        `YAML aliases expand too much (an alias bomb?): an anchor may be expanded at most ${maxAliasCount} times. Copy the value instead of aliasing aliases.`,
      ),
    ]);
  }
  const locator = createSourceLocator(text, document, position);
  return check(data, isScalar(document.contents), locator, options);
}

function describeYamlIssue(code: string, message: string): string {
  const text = message.trim().replace(/\.$/, '');
  if (code === 'TAG_RESOLVE_FAILED') return `${text} (custom tags such as !secret are not allowed in prompt files)`;
  if (code === 'RESOURCE_EXHAUSTION') return `values are nested too deeply (${text})`;
  return text;
}

/** The alias most likely to blame for excessive expansion: the first one whose anchor holds aliases itself. */
function explosiveAlias(document: Document): Node | undefined {
  let first: Node | undefined;
  let nested: Node | undefined;
  visit(document, {
    Alias(_key, alias) {
      first ??= alias;
      const source = alias.resolve(document);
      if (nested === undefined && source && isCollection(source)) {
        let holdsAlias = false;
        visit(source, {
          Alias() {
            holdsAlias = true;
            return visit.BREAK;
          },
        });
        if (holdsAlias) {
          nested = alias;
          return visit.BREAK;
        }
      }
      return undefined;
    },
  });
  return nested ?? first ?? undefined;
}

function parseJson(text: string, options: ParseOptions): ParsedPromptSource {
  const position = createPositionFinder(text);
  const error = findJsonError(text, maxPromptValueDepth);
  if (error) {
    return failed([
      { ...problem(options, position(error.offset), '', `invalid JSON: ${error.message}.`), code: 'PROMPT_JSON' },
    ]);
  }
  const data: unknown = JSON.parse(text);
  // Field positions are needed only for problems; JSON is YAML, so the yaml package finds them.
  let located: SourceLocator | undefined;
  const positioned = (): SourceLocator =>
    (located ??= createSourceLocator(text, parseDocument(text, { prettyErrors: false }), position));
  const locator: SourceLocator = {
    locate: (path, locateOptions) => positioned().locate(path, locateOptions),
    locateInString: (path, within, value) => positioned().locateInString(path, within, value),
  };
  return check(data, typeof data === 'string', locator, options);
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
  const tooDeep = findTooDeepValue(data);
  if (tooDeep) {
    const at = fileLocator.locate(tooDeep.path);
    return failed([
      {
        code: 'PROMPT_TOO_LARGE',
        file,
        line: at?.line,
        column: at?.column,
        path: '',
        message:
          tooDeep.reason === 'depth'
            ? `values are nested more than ${maxPromptValueDepth} levels deep. Flatten the value.`
            : `the file holds more than ${maxPromptValueNodes} values (aliases expanded). Split it or drop unused values.`,
      },
    ]);
  }
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
