import type { JsonSchema, StandardSchemaV1Issue } from '@dk/spec';
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { ResolvedTool } from './tool-set.js';

let ajv: Ajv | undefined;
const compiled = new WeakMap<object, ValidateFunction | null>();

function validatorFor(schema: JsonSchema): ValidateFunction | null {
  let validate = compiled.get(schema);
  if (validate === undefined) {
    // Vendors' tool schemas carry extensions ajv does not know; a schema ajv cannot compile
    // is not checked here (the model was still told it) rather than failing every call.
    ajv ??= new Ajv({ allErrors: true, strict: false, validateFormats: false });
    try {
      validate = ajv.compile(schema);
    } catch {
      validate = null;
    }
    compiled.set(schema, validate);
  }
  return validate;
}

function formatPath(path: StandardSchemaV1Issue['path']): string {
  if (path === undefined || path.length === 0) return '';
  return path
    .map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment))
    .join('.');
}

/** Arguments checked against a tool's schema: the (possibly transformed) value, or what is wrong. */
export type CheckedArguments =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * Validates a call's arguments before `execute`: with the tool's Standard Schema (its
 * output, e.g. Zod defaults and transforms, is what `execute` receives), else against its
 * JSON Schema with ajv.
 */
export async function checkToolArguments(tool: ResolvedTool, args: unknown): Promise<CheckedArguments> {
  const inputSchema = tool.tool.inputSchema;
  if (inputSchema !== undefined) {
    const result = await inputSchema['~standard'].validate(args);
    if (result.issues === undefined) return { ok: true, value: result.value };
    return {
      ok: false,
      problems: result.issues.map((issue) => {
        const path = formatPath(issue.path);
        return path === '' ? issue.message : `${path}: ${issue.message}`;
      }),
    };
  }
  const validate = validatorFor(tool.definition.parameters);
  if (validate === null || validate(args)) return { ok: true, value: args };
  return {
    ok: false,
    problems: (validate.errors ?? []).map(
      (error) => `${error.instancePath === '' ? '(arguments)' : error.instancePath} ${error.message ?? 'is invalid'}`,
    ),
  };
}
