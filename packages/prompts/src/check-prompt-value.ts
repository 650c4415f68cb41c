import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { validateTemplateSyntax } from '@dk/templates';
import { closestNames } from '@dk/spec';
import { promptFileSchema } from './prompt-file-schema.js';
import type { PromptProblem } from './prompt-problem.js';
import type { SourceLocator } from './source-locator.js';

/** What a checked value is: a prompt (system/user) or a RAG config. */
export type PromptSourceKind = 'prompt' | 'rag';

let validators: { readonly prompt: ValidateFunction; readonly rag: ValidateFunction } | undefined;

function getValidators(): { readonly prompt: ValidateFunction; readonly rag: ValidateFunction } {
  if (!validators) {
    const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
    ajv.addSchema(promptFileSchema);
    validators = {
      prompt: ajv.compile({ $ref: `${promptFileSchema.$id}#` }),
      rag: ajv.compile({ $ref: `${promptFileSchema.$id}#/$defs/ragConfig` }),
    };
  }
  return validators;
}

/** Renders a path as `rag_configs[0].k`. */
function formatPath(path: readonly (string | number)[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number' || /^\d+$/.test(segment)) text += `[${segment}]`;
    else text += text === '' ? segment : `.${segment}`;
  }
  return text;
}

function pointerSegments(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment) => (/^\d+$/.test(segment) ? Number(segment) : segment));
}

function schemaAt(schemaPath: string): Record<string, unknown> | undefined {
  // `#/properties/validation/additionalProperties` → the schema owning that keyword.
  const segments = schemaPath
    .replace(/^[^#]*#\/?/, '')
    .split('/')
    .filter(Boolean)
    .slice(0, -1);
  let node: unknown = promptFileSchema;
  for (const segment of segments) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[segment];
  }
  return typeof node === 'object' && node !== null ? (node as Record<string, unknown>) : undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function valueAt(data: unknown, path: readonly (string | number)[]): unknown {
  let node = data;
  for (const segment of path) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

function describeSchemaError(
  error: ErrorObject,
  data: unknown,
  kind: PromptSourceKind,
): { path: (string | number)[]; message: string; key: boolean } | undefined {
  const path = pointerSegments(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const field = String(params['additionalProperty']);
      const owner = schemaAt(error.schemaPath);
      const allowed = Object.keys((owner?.['properties'] as Record<string, unknown> | undefined) ?? {});
      const [suggestion] = closestNames(field, allowed, 1);
      const fix = suggestion
        ? `Did you mean "${suggestion}"? Rename the field.`
        : `Remove it; allowed fields here: ${allowed.join(', ')}.`;
      return { path: [...path, field], message: `unknown field "${field}". ${fix}`, key: true };
    }
    case 'required':
      return {
        path,
        message: `missing required field "${String(params['missingProperty'])}". Add it${kind === 'rag' || path.length > 0 ? ' (a RAG config needs adapter_name and query)' : ''}.`,
        key: false,
      };
    case 'anyOf':
      return {
        path,
        message:
          'a prompt needs "template" (its text) or "extends" (the name of a prompt to inherit from). Add one of them.',
        key: false,
      };
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map(String);
      const actual = valueAt(data, path);
      const [suggestion] = typeof actual === 'string' ? closestNames(actual, allowed, 1) : [];
      return {
        path,
        message: `must be one of ${allowed.map((value) => `"${value}"`).join(', ')}, got ${typeName(actual)}.${suggestion ? ` Did you mean "${suggestion}"?` : ''}`,
        key: false,
      };
    }
    case 'type':
      return {
        path,
        message: `must be ${articleFor(String(params['type']))}, got ${typeName(valueAt(data, path))}.`,
        key: false,
      };
    case 'propertyNames':
      return {
        path: [...path, String(params['propertyName'])],
        message: `"${String(params['propertyName'])}" is not a valid name here: use letters, digits and _ (starting with a letter or _), e.g. ROLE.`,
        key: true,
      };
    case 'pattern':
      if (error.propertyName !== undefined) return undefined;
      if (path.at(-1) === 'placeholder')
        return { path, message: 'must be a variable name such as RAG_CONTENT (letters, digits, _).', key: false };
      return {
        path,
        message:
          'must be a name such as "code_search" or "billing/refund" (letters, digits, _ - . in /-separated segments, no ".." or leading /).',
        key: false,
      };
    case 'uniqueItems':
      return {
        path,
        message: `lists an entry twice (items ${String(params['j'])} and ${String(params['i'])}). Remove the duplicate.`,
        key: false,
      };
    default:
      return { path, message: `${error.message ?? 'is invalid'}.`, key: false };
  }
}

function articleFor(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    string: 'a string',
    integer: 'an integer',
    number: 'a number',
    boolean: 'true or false',
  };
  return names[type] ?? type;
}

/**
 * Checks one prompt or RAG config value against the file schema and its templates against
 * the template grammar. Returns every problem with file positions from `locator`.
 */
export function checkPromptValue(
  data: unknown,
  options: { readonly file: string; readonly kind: PromptSourceKind; readonly locator: SourceLocator },
): PromptProblem[] {
  const { file, kind, locator } = options;
  const problems: PromptProblem[] = [];
  const problem = (
    code: string,
    path: readonly (string | number)[],
    message: string,
    at: { line: number; column: number } | undefined,
  ): void => {
    problems.push({ code, file, line: at?.line, column: at?.column, path: formatPath(path), message });
  };
  const validate = getValidators()[kind];
  if (!validate(data)) {
    const errors = (validate.errors ?? []).filter((error) => !/#\/anyOf\//.test(error.schemaPath));
    for (const error of errors) {
      const described = describeSchemaError(error, data, kind);
      if (!described) continue;
      problem(
        'PROMPT_SCHEMA',
        described.path,
        described.message,
        locator.locate(described.path, { key: described.key }),
      );
    }
    return problems;
  }
  const checkTemplate = (path: readonly (string | number)[], template: unknown): void => {
    if (typeof template !== 'string') return;
    for (const issue of validateTemplateSyntax(template)) {
      const at = locator.locateInString(path, issue, template);
      problem(
        'TEMPLATE_SYNTAX',
        path,
        `template syntax error: ${issue.message} (template line ${issue.line}, column ${issue.column})`,
        at,
      );
    }
  };
  const checkRag = (prefix: readonly (string | number)[], config: Record<string, unknown>): void => {
    for (const field of ['query', 'header', 'item_template']) checkTemplate([...prefix, field], config[field]);
  };
  const record = data as Record<string, unknown>;
  if (kind === 'rag') {
    checkRag([], record);
    return problems;
  }
  checkTemplate(['template'], record['template']);
  for (const [name, text] of Object.entries((record['sections'] as Record<string, unknown> | undefined) ?? {})) {
    checkTemplate(['sections', name], text);
  }
  const inline = (record['rag_configs'] as Record<string, unknown>[] | undefined) ?? [];
  inline.forEach((config, index) => checkRag(['rag_configs', index], config));
  return problems;
}
