import { InvalidRequestError } from '@dk/spec';
import type { LLMMessage } from '@dk/spec';
import type { OpenAIMessage } from './openai-api.js';

/**
 * Converts portable messages to OpenAI chat messages. Assistant tool calls become
 * `tool_calls` with JSON-string arguments; `tool` messages must carry `toolCallId`.
 * `metadata` is never sent.
 */
export function convertToOpenAIMessages(messages: readonly LLMMessage[]): OpenAIMessage[] {
  return messages.map((message, index): OpenAIMessage => {
    const name = message.name === undefined ? {} : { name: message.name };
    switch (message.role) {
      case 'system':
        return { role: 'system', content: message.content, ...name };
      case 'user':
        return { role: 'user', content: message.content, ...name };
      case 'assistant': {
        const toolCalls = message.toolCalls ?? [];
        if (toolCalls.length === 0) return { role: 'assistant', content: message.content, ...name };
        return {
          role: 'assistant',
          // OpenAI accepts null content next to tool calls; an empty string is sent as null.
          content: message.content === '' ? null : message.content,
          ...name,
          tool_calls: toolCalls.map((toolCall) => ({
            id: toolCall.id,
            type: 'function' as const,
            function: { name: toolCall.name, arguments: JSON.stringify(toolCall.arguments) },
          })),
        };
      }
      case 'tool':
        if (message.toolCallId === undefined || message.toolCallId === '') {
          throw new InvalidRequestError({
            provider: 'openai',
            message: `Message ${index} has role "tool" but no toolCallId. Set toolCallId to the id of the tool call it answers.`,
          });
        }
        return { role: 'tool', content: message.content, tool_call_id: message.toolCallId };
      default:
        throw new InvalidRequestError({
          provider: 'openai',
          message: `Message ${index} has unknown role ${JSON.stringify((message as { role: unknown }).role)}. Use system, user, assistant or tool.`,
        });
    }
  });
}
