import { InvalidRequestError } from '@dk/spec';
import type { LLMInput, LLMMessage } from '@dk/spec';

const roles = new Set(['system', 'user', 'assistant', 'tool']);

/**
 * Turns `LLMInput` into a message list: a string becomes one user message; a list is checked
 * (non-empty, known roles, string content, `toolCallId` on tool messages) and returned as is.
 * Throws `InvalidRequestError` naming the offending message and how to fix it.
 */
export function normalizeInput(input: LLMInput, provider: string): readonly LLMMessage[] {
  if (typeof input === 'string') return [{ role: 'user', content: input }];
  const invalid = (message: string): InvalidRequestError => new InvalidRequestError({ provider, message: `${provider}: ${message}` });
  if (!Array.isArray(input)) {
    throw invalid('input must be a string or an array of messages.');
  }
  if (input.length === 0) throw invalid('input has no messages. Pass at least one message or a string.');
  input.forEach((message: LLMMessage, index) => {
    if (typeof message !== 'object' || message === null) throw invalid(`message ${index} is not an object.`);
    if (!roles.has(message.role)) {
      throw invalid(`message ${index} has role ${JSON.stringify(message.role)}; use system, user, assistant or tool.`);
    }
    if (typeof message.content !== 'string') {
      throw invalid(`message ${index} (${message.role}) has no string content; pass content: '' for an empty message.`);
    }
    if (message.role === 'tool' && (typeof message.toolCallId !== 'string' || message.toolCallId === '')) {
      throw invalid(`message ${index} is a tool message without toolCallId; set it to the id of the tool call it answers.`);
    }
  });
  return input;
}
