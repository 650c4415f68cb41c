import type { JsonSchema, StandardSchemaV1, Tool, ToolDefinition, ToolSet } from '@dk/spec';
import { ConversationInputError } from './conversation-input-error.js';

/** A tool as the loop uses it: its name, the JSON Schema the model sees, and the caller's tool. */
export interface ResolvedTool {
  readonly name: string;
  readonly definition: ToolDefinition;
  readonly tool: Tool;
}

const toolNamePattern = /^[A-Za-z0-9_-]{1,64}$/;
const toolFields = ['description', 'parameters', 'inputSchema', 'execute', 'needsApproval'];

/** The JSON Schema of a Standard Schema's input, when its library can give one. */
export function standardJsonSchema(schema: StandardSchemaV1, direction: 'input' | 'output'): JsonSchema | undefined {
  const converter = schema['~standard'].jsonSchema?.[direction];
  if (converter === undefined) return undefined;
  for (const target of ['draft-07', 'draft-2020-12']) {
    try {
      return converter({ target }) as JsonSchema;
    } catch {
      // Try the next target the library may support.
    }
  }
  return undefined;
}

/** True for a Standard Schema (an object with `~standard.validate`). */
export function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { '~standard'?: { validate?: unknown } })['~standard']?.validate === 'function'
  );
}

function resolveTool(name: string, tool: Tool): ResolvedTool {
  if (!toolNamePattern.test(name)) {
    throw new ConversationInputError({
      field: `tools.${name}`,
      reason: 'tool names are 1–64 letters, digits, `_` or `-` (what the vendors accept)',
    });
  }
  if (typeof tool !== 'object' || tool === null) {
    throw new ConversationInputError({
      field: `tools.${name}`,
      reason: 'must be an object `{ description, parameters | inputSchema, execute }`',
    });
  }
  const unknown = Object.keys(tool).filter((key) => !toolFields.includes(key));
  if (unknown.length > 0) {
    throw new ConversationInputError({
      field: `tools.${name}`,
      reason: `has unknown field${unknown.length === 1 ? '' : 's'} ${unknown.map((key) => `\`${key}\``).join(', ')}`,
      hint: `A tool has ${toolFields.map((key) => `\`${key}\``).join(', ')}.`,
    });
  }
  if (tool.execute !== undefined && typeof tool.execute !== 'function') {
    throw new ConversationInputError({ field: `tools.${name}.execute`, reason: 'must be a function' });
  }
  if (tool.inputSchema !== undefined && !isStandardSchema(tool.inputSchema)) {
    throw new ConversationInputError({
      field: `tools.${name}.inputSchema`,
      reason: 'must be a Standard Schema (Zod, Valibot, ArkType…); give a JSON Schema as `parameters` instead',
    });
  }
  const parameters =
    tool.parameters ??
    (tool.inputSchema === undefined ? undefined : standardJsonSchema(tool.inputSchema, 'input')) ??
    ({ type: 'object', additionalProperties: true } satisfies JsonSchema);
  return {
    name,
    tool,
    definition: {
      name,
      parameters,
      ...(tool.description === undefined ? {} : { description: tool.description }),
    },
  };
}

/**
 * The tools of a call: the manager's, overridden by the call's (by name). The call may also
 * give plain definitions (an array of `{ name, parameters }`), which are offered to the
 * model but never executed: their calls end the turn as pending.
 */
export function resolveTools(
  managerTools: ToolSet | undefined,
  callTools: ToolSet | readonly ToolDefinition[] | undefined,
): ReadonlyMap<string, ResolvedTool> {
  const resolved = new Map<string, ResolvedTool>();
  for (const [name, tool] of Object.entries(managerTools ?? {})) resolved.set(name, resolveTool(name, tool));
  if (Array.isArray(callTools)) {
    for (const definition of callTools as readonly ToolDefinition[]) {
      resolved.set(definition.name, {
        name: definition.name,
        definition,
        tool: {
          parameters: definition.parameters,
          ...(definition.description === undefined ? {} : { description: definition.description }),
        },
      });
    }
  } else if (callTools !== undefined) {
    for (const [name, tool] of Object.entries(callTools as ToolSet)) resolved.set(name, resolveTool(name, tool));
  }
  return resolved;
}
