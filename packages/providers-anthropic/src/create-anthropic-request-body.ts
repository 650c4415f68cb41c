import { InvalidRequestError } from '@dk/spec';
import type { CompletionOptions, JsonSchema, LLMMessage, ProviderWarning, ToolChoice } from '@dk/spec';
import type { AnthropicRequest, AnthropicTool, AnthropicToolChoice } from './anthropic-api.js';
import type { AnthropicStructuredOutputMode } from './anthropic-structured-output-mode.js';
import type { AnthropicSystemMessagePolicy } from './anthropic-system-message-policy.js';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

/** What {@link createAnthropicRequestBody} needs beyond the call's options. */
export interface CreateAnthropicRequestBodyOptions {
  readonly messages: readonly LLMMessage[];
  readonly options: CompletionOptions;
  readonly defaultModel: string;
  readonly defaultMaxTokens: number;
  readonly systemMessagePolicy: AnthropicSystemMessagePolicy;
  readonly structuredOutputMode: AnthropicStructuredOutputMode;
}

/** The request body, warnings, and the name of the synthetic response tool (tool mode). */
export interface AnthropicRequestPlan {
  readonly body: Omit<AnthropicRequest, 'stream'>;
  readonly warnings: ProviderWarning[];
  /** Name of the tool whose input is the structured answer, when the `tool` mode is used. */
  readonly responseToolName: string | undefined;
}

const anyObjectSchema: JsonSchema = { type: 'object', additionalProperties: true };

/**
 * Builds the Messages API body (without `stream`): system text hoisted, `max_tokens` always
 * set, sampling options, tools and tool choice, and the JSON response format per
 * `structuredOutputMode`. `seed` has no Anthropic equivalent and becomes a warning.
 * `providerOptions.anthropic` is merged last.
 */
export function createAnthropicRequestBody({
  messages,
  options,
  defaultModel,
  defaultMaxTokens,
  systemMessagePolicy,
  structuredOutputMode,
}: CreateAnthropicRequestBodyOptions): AnthropicRequestPlan {
  const converted = convertToAnthropicMessages(messages, systemMessagePolicy);
  const warnings = [...converted.warnings];
  let system = converted.system;
  const body: Record<string, unknown> = {
    model: options.model ?? defaultModel,
    max_tokens: options.maxTokens ?? defaultMaxTokens,
    messages: converted.messages,
  };
  if (options.temperature !== undefined) body['temperature'] = options.temperature;
  if (options.topP !== undefined) body['top_p'] = options.topP;
  if (options.stop !== undefined && options.stop.length > 0) body['stop_sequences'] = [...options.stop];
  if (options.seed !== undefined) {
    warnings.push({
      type: 'unsupported-setting',
      setting: 'seed',
      details: 'Anthropic has no seed parameter; it was not sent.',
    });
  }

  const tools: AnthropicTool[] = (options.tools ?? []).map((tool) => ({
    name: tool.name,
    ...(tool.description === undefined ? {} : { description: tool.description }),
    input_schema: tool.parameters as AnthropicTool['input_schema'],
  }));
  let toolChoice: AnthropicToolChoice | undefined =
    options.toolChoice === undefined ? undefined : convertToolChoice(options.toolChoice);
  if (tools.length === 0 && toolChoice !== undefined && toolChoice.type !== 'auto' && toolChoice.type !== 'none') {
    throw new InvalidRequestError({
      provider: 'anthropic',
      message: `anthropic: toolChoice ${JSON.stringify(options.toolChoice)} needs tools, but none were passed. Pass tools or drop toolChoice.`,
    });
  }

  let responseToolName: string | undefined;
  const format = options.responseFormat;
  if (format !== undefined && format.type !== 'text') {
    const schema = format.type === 'json-schema' ? format.schema : undefined;
    const mode = structuredOutputMode === 'output-format' && schema === undefined ? 'tool' : structuredOutputMode;
    if (mode === 'output-format' && schema !== undefined) {
      body['output_config'] = { format: { type: 'json_schema', schema } };
    } else if (mode === 'prompt') {
      const instruction =
        schema === undefined
          ? 'Answer with one JSON object only: no prose, no code fences.'
          : `Answer with one JSON value only (no prose, no code fences) that matches this JSON Schema:\n${JSON.stringify(schema)}`;
      system = system === undefined ? instruction : `${system}\n\n${instruction}`;
    } else {
      responseToolName = format.type === 'json-schema' ? (format.name ?? 'response') : 'response';
      if (tools.some((tool) => tool.name === responseToolName)) {
        throw new InvalidRequestError({
          provider: 'anthropic',
          message: `anthropic: a tool named "${responseToolName}" clashes with the structured-output tool. Rename the tool or set responseFormat.name.`,
        });
      }
      tools.push({
        name: responseToolName,
        description:
          (format.type === 'json-schema' ? format.description : undefined) ??
          'Give the final answer by calling this tool with it as the input.',
        input_schema: (schema ?? anyObjectSchema) as AnthropicTool['input_schema'],
      });
      if (toolChoice?.type === 'none') {
        warnings.push({
          type: 'unsupported-setting',
          setting: 'toolChoice',
          details:
            'toolChoice "none" conflicts with a JSON responseFormat in tool mode; the response tool is required instead.',
        });
      }
      toolChoice = tools.length === 1 ? { type: 'tool', name: responseToolName } : { type: 'any' };
    }
  }

  if (system !== undefined) body['system'] = system;
  if (tools.length > 0) body['tools'] = tools;
  if (toolChoice !== undefined) body['tool_choice'] = toolChoice;
  Object.assign(body, options.providerOptions?.['anthropic']);
  return { body: body as unknown as Omit<AnthropicRequest, 'stream'>, warnings, responseToolName };
}

function convertToolChoice(toolChoice: ToolChoice): AnthropicToolChoice {
  switch (toolChoice) {
    case 'auto':
      return { type: 'auto' };
    case 'none':
      return { type: 'none' };
    case 'required':
      return { type: 'any' };
    default:
      return { type: 'tool', name: toolChoice.name };
  }
}
