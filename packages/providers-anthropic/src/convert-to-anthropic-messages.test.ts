import { InvalidRequestError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { convertToAnthropicMessages } from './convert-to-anthropic-messages.js';

describe('convertToAnthropicMessages', () => {
  it('rejects messages that contain only system text', () => {
    expect(() => convertToAnthropicMessages([{ role: 'system', content: 'Rules.' }])).toThrow(InvalidRequestError);
  });

  it('keeps tool results ahead of text when a user message precedes them in the same turn', () => {
    const { messages } = convertToAnthropicMessages([
      { role: 'assistant', content: '', toolCalls: [{ id: 't1', name: 'f', arguments: {} }] },
      { role: 'user', content: 'Also this.' },
      { role: 'tool', content: 'result', toolCallId: 't1' },
    ]);
    expect(messages[1]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: 'result' },
        { type: 'text', text: 'Also this.' },
      ],
    });
  });

  it('flags error results with is_error and merges parallel results into one user turn', () => {
    const { messages } = convertToAnthropicMessages([
      { role: 'user', content: 'Weather?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 't1', name: 'f', arguments: { city: 'Paris' } },
          { id: 't2', name: 'f', arguments: { city: 'Atlantis' } },
        ],
      },
      { role: 'tool', content: '{"celsius":18}', toolCallId: 't1' },
      { role: 'tool', content: 'Error: city not found', toolCallId: 't2', isError: true },
    ]);
    expect(messages[2]).toEqual({
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 't1', content: '{"celsius":18}' },
        { type: 'tool_result', tool_use_id: 't2', content: 'Error: city not found', is_error: true },
      ],
    });
  });

  it('drops message names with one warning and never sends metadata', () => {
    const { messages, warnings } = convertToAnthropicMessages([
      { role: 'user', content: 'a', name: 'ann', metadata: { secret: 1 } },
      { role: 'assistant', content: 'b', name: 'bot' },
    ]);
    expect(messages).toEqual([
      { role: 'user', content: 'a' },
      { role: 'assistant', content: 'b' },
    ]);
    expect(warnings).toEqual([expect.objectContaining({ type: 'unsupported-setting', setting: 'name' })]);
  });

  it('hoists system messages that precede the first turn even with the error policy', () => {
    const { system } = convertToAnthropicMessages(
      [
        { role: 'system', content: 'One.' },
        { role: 'system', content: 'Two.' },
        { role: 'user', content: 'Hi' },
      ],
      'error',
    );
    expect(system).toBe('One.\n\nTwo.');
  });
});
