import { InvalidRequestError, StructuredOutputError } from '@dk/spec';
import type { JsonSchema, ResponseFormat, StructuredOutputIssue } from '@dk/spec';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';

let draft07: Ajv | undefined;
let draft2020: Ajv2020 | undefined;
const compiledByObject = new WeakMap<object, ValidateFunction>();
const compiledByText = new Map<string, ValidateFunction>();
const maxCompiledByText = 256;

function validatorFor(schema: JsonSchema, provider: string): ValidateFunction {
  const cached = compiledByObject.get(schema);
  if (cached !== undefined) return cached;
  const text = JSON.stringify(schema);
  let validate = compiledByText.get(text);
  if (validate === undefined) {
    const uses2020 = typeof schema['$schema'] === 'string' && schema['$schema'].includes('2020-12');
    // Options: every issue is reported; unknown keywords and formats are tolerated because
    // vendors' structured-output schemas carry extensions (e.g. `strict`) that ajv does not know.
    const ajvOptions = { allErrors: true, strict: false, validateFormats: false } as const;
    const ajv = uses2020 ? (draft2020 ??= new Ajv2020(ajvOptions)) : (draft07 ??= new Ajv(ajvOptions));
    try {
      validate = ajv.compile(schema);
    } catch (error) {
      throw new InvalidRequestError({
        provider,
        message: `${provider}: responseFormat.schema is not a valid JSON Schema (${error instanceof Error ? error.message : String(error)}). Fix the schema.`,
        cause: error,
      });
    }
    if (compiledByText.size >= maxCompiledByText) {
      const oldest = compiledByText.keys().next().value;
      if (oldest !== undefined) compiledByText.delete(oldest);
    }
    compiledByText.set(text, validate);
  }
  compiledByObject.set(schema, validate);
  return validate;
}

function toIssue(error: ErrorObject): StructuredOutputIssue {
  let path = error.instancePath;
  if (error.keyword === 'required' && typeof error.params['missingProperty'] === 'string') {
    path = `${path}/${error.params['missingProperty'].replaceAll('~', '~0').replaceAll('/', '~1')}`;
  } else if (error.keyword === 'additionalProperties' && typeof error.params['additionalProperty'] === 'string') {
    path = `${path}/${error.params['additionalProperty'].replaceAll('~', '~0').replaceAll('/', '~1')}`;
  }
  return { path: path === '' ? '/' : path, message: error.message ?? `fails ${error.keyword}` };
}

/** Removes one surrounding Markdown code fence (```json … ```), which local models often add. */
function stripCodeFence(text: string): string {
  const match = /^\s*```[\w-]*\s*\n([\s\S]*?)\n?\s*```\s*$/.exec(text);
  return match?.[1] ?? text;
}

/**
 * Parses a model's answer according to the requested `responseFormat`:
 *
 * - `text` or no format: returns `undefined` (nothing to parse).
 * - `json`: returns the parsed JSON value.
 * - `json-schema`: returns the parsed value after validating it against the schema with ajv
 *   (draft-07, or draft 2020-12 when `$schema` says so; compiled validators are cached by
 *   schema object and by schema JSON).
 *
 * One surrounding Markdown code fence is tolerated. Invalid JSON throws
 * `StructuredOutputError` with no issues; a schema mismatch throws it with every issue
 * (JSON Pointer path into the value + message). An invalid schema throws `InvalidRequestError`.
 */
export function parseStructuredOutput(
  text: string,
  responseFormat: ResponseFormat | undefined,
  provider: string,
): unknown {
  if (responseFormat === undefined || responseFormat.type === 'text') return undefined;
  const validate = responseFormat.type === 'json-schema' ? validatorFor(responseFormat.schema, provider) : undefined;
  let value: unknown;
  try {
    value = JSON.parse(stripCodeFence(text));
  } catch (error) {
    throw new StructuredOutputError({
      provider,
      text,
      issues: [],
      message: `${provider}: the model's answer is not valid JSON (${error instanceof Error ? error.message : String(error)}), but responseFormat requested ${responseFormat.type}. Ask for JSON explicitly in the prompt or retry.`,
      cause: error,
    });
  }
  if (validate === undefined || validate(value)) return value;
  const issues = (validate.errors ?? []).map(toIssue);
  const summary = issues
    .slice(0, 5)
    .map((issue) => `${issue.path} ${issue.message}`)
    .join('; ');
  throw new StructuredOutputError({
    provider,
    text,
    issues,
    message: `${provider}: the model's JSON does not match the response schema (${issues.length} issue${issues.length === 1 ? '' : 's'}: ${summary}${issues.length > 5 ? '; …' : ''}). See the error's issues; tighten the prompt or the schema.`,
  });
}
