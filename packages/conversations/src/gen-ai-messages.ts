import type { LLMMessage, LLMResponse, ToolCall } from '@dk/spec';

/** One message in the shape of the GenAI conventions' `gen_ai.input.messages` / `gen_ai.output.messages`. */
interface GenAiMessage {
  readonly role: string;
  readonly parts: readonly Record<string, unknown>[];
  readonly finish_reason?: string;
}

function toolCallParts(calls: readonly ToolCall[] | undefined): Record<string, unknown>[] {
  return (calls ?? []).map((call) => ({ type: 'tool_call', id: call.id, name: call.name, arguments: call.arguments }));
}

/** The messages sent to a model, as `gen_ai.input.messages` (system prompts included, role `system`). */
export function inputMessages(messages: readonly LLMMessage[]): GenAiMessage[] {
  return messages.map((message) => {
    if (message.role === 'tool') {
      return {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: message.toolCallId, response: message.content }],
      };
    }
    const parts: Record<string, unknown>[] = message.content === '' ? [] : [{ type: 'text', content: message.content }];
    return { role: message.role, parts: [...parts, ...toolCallParts(message.toolCalls)] };
  });
}

/** A model's answer, as `gen_ai.output.messages`. */
export function outputMessages(response: LLMResponse): GenAiMessage[] {
  const parts: Record<string, unknown>[] = response.content === '' ? [] : [{ type: 'text', content: response.content }];
  return [
    {
      role: 'assistant',
      parts: [...parts, ...toolCallParts(response.toolCalls)],
      finish_reason: response.finishReason,
    },
  ];
}
