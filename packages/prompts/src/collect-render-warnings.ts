import { hasValue } from '@dk/templates';
import type { RenderResult, ValidationLevel } from '@dk/templates';
import { UnresolvedPlaceholdersError } from './unresolved-placeholders-error.js';

/** What {@link collectRenderWarnings} looks at. */
interface RenderedInput {
  readonly render: RenderResult;
  readonly level: ValidationLevel;
  /** The prompt's `optional_params`. */
  readonly optional: readonly string[];
  readonly params: Readonly<Record<string, unknown>>;
  readonly defaults: Readonly<Record<string, unknown>>;
  readonly promptName: string;
  readonly kind: string;
  /** Problems of the RAG searches, reported at every level. */
  readonly ragWarnings: readonly string[];
}

const rootOf = (path: string): string => {
  const dot = path.indexOf('.');
  return dot === -1 ? path : path.slice(0, dot);
};

function valueAt(params: Readonly<Record<string, unknown>>, defaults: Readonly<Record<string, unknown>>, path: string) {
  const root = rootOf(path);
  let value: unknown = params[root] === undefined ? defaults[root] : params[root];
  if (root === path) return value;
  for (const segment of path.slice(root.length + 1).split('.')) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

/**
 * The warnings of a render that goes to a model, by validation level:
 * - `error`: a `{{name}}` left in the text throws {@link UnresolvedPlaceholdersError}
 *   (missing required params have already thrown `MissingParametersError`);
 * - `warn`: the template engine's warnings (missing required params), then one warning for
 *   placeholders left in the text that are not already reported as missing, then one for
 *   `optional_params` without a value ("missing aspect is okay, but the user should know");
 * - `ignore`: none of these; the lists stay in `missing` and `unresolved`.
 *
 * RAG warnings are added at every level.
 */
export function collectRenderWarnings(input: RenderedInput): readonly string[] {
  const { render, level, ragWarnings } = input;
  if (level === 'ignore') return ragWarnings.length === 0 ? render.warnings : [...render.warnings, ...ragWarnings];
  const { unresolved, missing } = render;
  if (level === 'error' && unresolved.length > 0) {
    throw new UnresolvedPlaceholdersError({ promptName: input.promptName, kind: input.kind, unresolved });
  }
  const warnings = [...render.warnings];
  const reported = new Set(missing);
  const unfilled = unresolved.filter((path) => !reported.has(path) && !reported.has(rootOf(path)));
  if (unfilled.length > 0) {
    warnings.push(
      `Placeholders left unfilled in the text sent to the model: ${unfilled.map((path) => `{{${path}}}`).join(', ')}. Pass a value or add a default for each, or wrap optional text in ((…)).`,
    );
  }
  if (input.optional.length > 0) {
    const left = new Set(unresolved.map(rootOf));
    const absent = input.optional.filter(
      (name) => !left.has(rootOf(name)) && !hasValue(valueAt(input.params, input.defaults, name)),
    );
    if (absent.length > 0) {
      warnings.push(
        `Optional parameter${absent.length === 1 ? '' : 's'} without a value: ${absent.join(', ')}; the text that uses ${absent.length === 1 ? 'it' : 'them'} was left out.`,
      );
    }
  }
  warnings.push(...ragWarnings);
  return warnings;
}
