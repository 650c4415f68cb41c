import { hasValue } from '@dk/templates';
import type { RenderResult, ValidationLevel } from '@dk/templates';
import { paramValue, rootOf } from './param-value.js';
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
  const { render, level, ragWarnings, optional } = input;
  const { unresolved, missing } = render;
  // Fast path, the usual render: nothing unfilled, every optional param given.
  if (
    level === 'ignore' ||
    (unresolved.length === 0 &&
      (level === 'error' || optional.every((name) => hasValue(paramValue(input.params, input.defaults, name)))))
  ) {
    return ragWarnings.length === 0 ? render.warnings : [...render.warnings, ...ragWarnings];
  }
  if (level === 'error') {
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
  if (optional.length > 0) {
    const left = new Set(unresolved.map(rootOf));
    const absent = optional.filter(
      (name) => !left.has(rootOf(name)) && !hasValue(paramValue(input.params, input.defaults, name)),
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
