import { InvalidRequestError } from '@dk/spec';
import type { LLMMessage, ProviderWarning } from '@dk/spec';
import type { AnthropicContentBlockParam, AnthropicMessageParam } from './anthropic-api.js';
import type { AnthropicSystemMessagePolicy } from './anthropic-system-message-policy.js';

interface Turn {
  readonly role: 'user' | 'assistant';
  readonly content: AnthropicContentBlockParam[];
}

/** The `system` text, the turns, and warnings for message fields Anthropic has no place for. */
export interface ConvertedAnthropicMessages {
  readonly system: string | undefined;
  readonly messages: AnthropicMessageParam[];
  readonly warnings: ProviderWarning[];
}

/**
 * Converts portable messages to Anthropic turns:
 *
 * - Leading system messages are joined with blank lines into `system`; later ones follow
 *   `systemMessagePolicy`.
 * - Assistant tool calls become `tool_use` blocks; `tool` messages become `tool_result`
 *   blocks in a user turn (`is_error` when `isError`). Consecutive tool results and user messages are merged into one
 *   user turn (tool results first, as Anthropic requires), consecutive assistant messages
 *   into one assistant turn.
 * - `name` has no Anthropic equivalent: it is dropped with a warning. `metadata` is never sent.
 */
export function convertToAnthropicMessages(
  messages: readonly LLMMessage[],
  systemMessagePolicy: AnthropicSystemMessagePolicy = 'hoist',
): ConvertedAnthropicMessages {
  const systemParts: string[] = [];
  const turns: Turn[] = [];
  const warnings: ProviderWarning[] = [];
  let started = false;

  messages.forEach((message, index) => {
    if (
      message.name !== undefined &&
      !warnings.some((warning) => warning.type === 'unsupported-setting' && warning.setting === 'name')
    ) {
      warnings.push({
        type: 'unsupported-setting',
        setting: 'name',
        details: 'Anthropic messages have no author name; it was not sent.',
      });
    }
    switch (message.role) {
      case 'system':
        if (!started || systemMessagePolicy === 'hoist') {
          if (message.content !== '') systemParts.push(message.content);
        } else if (systemMessagePolicy === 'as-user') {
          append(turns, 'user', text(`System: ${message.content}`));
        } else {
          throw new InvalidRequestError({
            provider: 'anthropic',
            message: `anthropic: message ${index} is a system message after the conversation started, and systemMessagePolicy is "error". Move it to the start, or set systemMessagePolicy to "hoist" or "as-user".`,
          });
        }
        return;
      case 'user':
        started = true;
        append(turns, 'user', text(message.content));
        return;
      case 'assistant': {
        started = true;
        const blocks = text(message.content);
        for (const toolCall of message.toolCalls ?? []) {
          blocks.push({ type: 'tool_use', id: toolCall.id, name: toolCall.name, input: toolCall.arguments });
        }
        append(turns, 'assistant', blocks);
        return;
      }
      case 'tool':
        started = true;
        append(turns, 'user', [
          {
            type: 'tool_result',
            tool_use_id: message.toolCallId ?? '',
            content: message.content,
            ...(message.isError === true ? { is_error: true } : {}),
          },
        ]);
        return;
    }
  });

  const converted: AnthropicMessageParam[] = turns.map((turn) => {
    const only = turn.content[0];
    // A single text block is sent as a plain string (the common, compact form).
    if (turn.content.length === 1 && only?.type === 'text') return { role: turn.role, content: only.text };
    return { role: turn.role, content: turn.content.length === 0 ? '' : turn.content };
  });
  if (converted.length === 0) {
    throw new InvalidRequestError({
      provider: 'anthropic',
      message: 'anthropic: the messages contain only system text. Add at least one user message.',
    });
  }
  return { system: systemParts.length === 0 ? undefined : systemParts.join('\n\n'), messages: converted, warnings };
}

/** Adds blocks to the last turn when it has the same role, else opens a new turn. */
function append(turns: Turn[], role: 'user' | 'assistant', blocks: AnthropicContentBlockParam[]): void {
  const last = turns.at(-1);
  if (last !== undefined && last.role === role) {
    // Tool results must open a user turn, before any text.
    const results = blocks.filter((block) => block.type === 'tool_result');
    const others = blocks.filter((block) => block.type !== 'tool_result');
    const firstText = last.content.findIndex((block) => block.type !== 'tool_result');
    if (results.length > 0 && firstText !== -1) last.content.splice(firstText, 0, ...results);
    else last.content.push(...results);
    last.content.push(...others);
  } else {
    turns.push({ role, content: blocks });
  }
}

function text(content: string): AnthropicContentBlockParam[] {
  return content === '' ? [] : [{ type: 'text', text: content }];
}
