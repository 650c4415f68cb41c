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
  if (!Array.isArray(input)) throw invalid(provider, 'input must be a string or an array of messages.');
  if (input.length === 0) throw invalid(provider, 'input has no messages. Pass at least one message or a string.');
  // A plain loop: this runs on every call, and closures per call cost more than the checks.
  for (let index = 0; index < input.length; index += 1) {
    const message = input[index] as LLMMessage;
    if (typeof message !== 'object' || message === null) throw invalid(provider, `message ${index} is not an object.`);
    if (!roles.has(message.role)) {
      throw invalid(
        provider,
        `message ${index} has role ${JSON.stringify(message.role)}; use system, user, assistant or tool.`,
      );
    }
    if (typeof message.content !== 'string') {
      throw invalid(
        provider,
        `message ${index} (${message.role}) has no string content; pass content: '' for an empty message.`,
      );
    }
    if (message.role === 'tool' && (typeof message.toolCallId !== 'string' || message.toolCallId === '')) {
      throw invalid(
        provider,
        `message ${index} is a tool message without toolCallId; set it to the id of the tool call it answers.`,
      );
    }
  }
  return input;
}

function invalid(provider: string, message: string): InvalidRequestError {
  return new InvalidRequestError({ provider, message: `${provider}: ${message}` });
}
