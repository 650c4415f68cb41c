import { StructuredOutputError } from '@dk/spec';
import type { JsonSchema, LLMMessage, LLMResponse, ResponseFormat, StandardSchemaV1 } from '@dk/spec';
import { ConversationInputError } from './conversation-input-error.js';
import { isStandardSchema, standardJsonSchema } from './tool-set.js';

/** A Standard Schema (Zod, Valibot, ArkType…) or a JSON Schema for `complete({ output })`. */
export type OutputSchema = StandardSchemaV1 | JsonSchema;

/** How a turn asks for and checks a structured answer. */
export interface OutputPlan {
  /** What the provider is asked for (`json-schema` when a JSON Schema is known, else `json`). */
  readonly responseFormat: ResponseFormat;
  /** Parses and validates an answer; throws `StructuredOutputError` with the raw text. */
  check(response: LLMResponse, provider: string): Promise<unknown>;
}

function parseJson(text: string, provider: string): unknown {
  const fenced = /^\s*```[\w-]*\s*\n([\s\S]*?)\n?\s*```\s*$/.exec(text);
  try {
    return JSON.parse(fenced?.[1] ?? text);
  } catch {
    throw new StructuredOutputError({
      provider,
      message: `${provider}: the answer is not valid JSON.`,
      text,
      issues: [],
    });
  }
}

/** Builds the plan for `output`; `undefined` when there is none. */
export function planOutput(output: OutputSchema | undefined): OutputPlan | undefined {
  if (output === undefined) return undefined;
  if (typeof output !== 'object' || output === null) {
    throw new ConversationInputError({
      field: 'output',
      reason: 'must be a Standard Schema (Zod, Valibot, ArkType…) or a JSON Schema object',
    });
  }
  if (!isStandardSchema(output)) {
    const schema = output as JsonSchema;
    // The provider validates a JSON Schema answer itself (and throws StructuredOutputError).
    return {
      responseFormat: { type: 'json-schema', schema },
      check: async (response, provider) =>
        response.parsed !== undefined ? response.parsed : parseJson(response.content, provider),
    };
  }
  const jsonSchema = standardJsonSchema(output, 'output') ?? standardJsonSchema(output, 'input');
  return {
    responseFormat: jsonSchema === undefined ? { type: 'json' } : { type: 'json-schema', schema: jsonSchema },
    check: async (response, provider) => {
      const value = response.parsed !== undefined ? response.parsed : parseJson(response.content, provider);
      const result = await output['~standard'].validate(value);
      if (result.issues === undefined) return result.value;
      throw new StructuredOutputError({
        provider,
        message: `${provider}: the answer does not match the output schema.`,
        text: response.content,
        issues: result.issues.map((issue) => ({
          path: `/${(issue.path ?? []).map((segment) => String(typeof segment === 'object' && segment !== null ? segment.key : segment)).join('/')}`,
          message: issue.message,
        })),
      });
    },
  };
}

/** What went wrong with a structured answer, one line per problem. */
export function outputProblems(error: StructuredOutputError): string[] {
  return error.issues.length === 0
    ? ['the answer is not valid JSON']
    : error.issues.map((issue) => `${issue.path}: ${issue.message}`);
}

/** The messages that ask the model to repair an invalid structured answer (sent once, never stored). */
export function repairMessages(error: StructuredOutputError): LLMMessage[] {
  return [
    { role: 'assistant', content: error.text },
    {
      role: 'user',
      content: [
        'Your previous answer was not valid for the required JSON format:',
        ...outputProblems(error).map((problem) => `- ${problem}`),
        'Answer again with only the corrected JSON value, no other text.',
      ].join('\n'),
    },
  ];
}
