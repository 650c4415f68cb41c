import { InvalidRequestError } from '@dk/spec';
import type { CompletionOptions, LLMMessage, ProviderWarning, ToolChoice } from '@dk/spec';
import { convertToOpenAIMessages } from './convert-to-openai-messages.js';
import { isOpenAIReasoningModel } from './is-openai-reasoning-model.js';
import type { OpenAIChatRequestBody, OpenAIToolChoice } from './openai-api.js';

/** What {@link createOpenAIRequestBody} needs beyond the call's options. */
export interface CreateOpenAIRequestBodyOptions {
  readonly messages: readonly LLMMessage[];
  readonly options: CompletionOptions;
  /** The model when the call does not override it. */
  readonly defaultModel: string;
  /** Forces (or disables) the reasoning-model parameter remaps; detected from the model when undefined. */
  readonly reasoningModel?: boolean | undefined;
  readonly strictJsonSchema?: boolean | undefined;
}

/**
 * Builds the chat completions body (without `stream`) and the warnings for settings the
 * model cannot take. Reasoning models get `max_completion_tokens` and lose `temperature` /
 * `top_p` (each dropped setting is a warning, never an exception). `providerOptions.openai`
 * is merged last, so it can set any other vendor field.
 */
export function createOpenAIRequestBody({
  messages,
  options,
  defaultModel,
  reasoningModel,
  strictJsonSchema = false,
}: CreateOpenAIRequestBodyOptions): { body: OpenAIChatRequestBody; warnings: ProviderWarning[] } {
  const model = options.model ?? defaultModel;
  const reasoning = reasoningModel ?? isOpenAIReasoningModel(model);
  const warnings: ProviderWarning[] = [];
  const body: Record<string, unknown> = { model, messages: convertToOpenAIMessages(messages) };

  if (options.temperature !== undefined) {
    if (reasoning) warnings.push(dropped('temperature', model));
    else body['temperature'] = options.temperature;
  }
  if (options.topP !== undefined) {
    if (reasoning) warnings.push(dropped('topP', model));
    else body['top_p'] = options.topP;
  }
  if (options.maxTokens !== undefined) body[reasoning ? 'max_completion_tokens' : 'max_tokens'] = options.maxTokens;
  if (options.stop !== undefined && options.stop.length > 0) body['stop'] = [...options.stop];
  if (options.seed !== undefined) body['seed'] = options.seed;

  const format = options.responseFormat;
  if (format?.type === 'json') body['response_format'] = { type: 'json_object' };
  if (format?.type === 'json-schema') {
    body['response_format'] = {
      type: 'json_schema',
      json_schema: {
        name: format.name ?? 'response',
        ...(format.description === undefined ? {} : { description: format.description }),
        schema: format.schema,
        strict: strictJsonSchema,
      },
    };
  }

  if (options.tools !== undefined && options.tools.length > 0) {
    body['tools'] = options.tools.map((tool) => ({
      type: 'function',
      function: {
        name: tool.name,
        ...(tool.description === undefined ? {} : { description: tool.description }),
        parameters: tool.parameters,
      },
    }));
    if (options.toolChoice !== undefined) body['tool_choice'] = convertToolChoice(options.toolChoice);
  } else if (options.toolChoice !== undefined && options.toolChoice !== 'auto' && options.toolChoice !== 'none') {
    throw new InvalidRequestError({
      provider: 'openai',
      message: `openai: toolChoice ${JSON.stringify(options.toolChoice)} needs tools, but none were passed. Pass tools or drop toolChoice.`,
    });
  }

  Object.assign(body, options.providerOptions?.['openai']);
  return { body: body as unknown as OpenAIChatRequestBody, warnings };
}

function convertToolChoice(toolChoice: ToolChoice): OpenAIToolChoice {
  if (typeof toolChoice === 'string') return toolChoice;
  return { type: 'function', function: { name: toolChoice.name } };
}

function dropped(setting: string, model: string): ProviderWarning {
  return {
    type: 'unsupported-setting',
    setting,
    details: `${model} is a reasoning model and does not accept ${setting}; it was not sent.`,
  };
}
