import { describe, expect, it } from 'vitest';
import { isOpenAIReasoningModel } from './is-openai-reasoning-model.js';
import { mapOpenAIFinishReason } from './map-openai-finish-reason.js';

describe('isOpenAIReasoningModel', () => {
  it.each(['o1', 'o1-mini', 'o3-mini', 'o4-mini-2025-04-16', 'gpt-5', 'gpt-5-mini', 'openai/o3'])(
    'treats %s as a reasoning model',
    (model) => {
      expect(isOpenAIReasoningModel(model)).toBe(true);
    },
  );

  it.each(['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-5-chat-latest', 'omni-moderation-latest', 'llama3.2'])(
    'treats %s as a chat model',
    (model) => {
      expect(isOpenAIReasoningModel(model)).toBe(false);
    },
  );
});

describe('mapOpenAIFinishReason', () => {
  it.each([
    ['stop', 'stop'],
    ['length', 'length'],
    ['tool_calls', 'tool_calls'],
    ['function_call', 'tool_calls'],
    ['content_filter', 'content_filter'],
    ['something_new', 'other'],
    [null, 'other'],
  ] as const)('maps %s to %s', (raw, expected) => {
    expect(mapOpenAIFinishReason(raw)).toBe(expected);
  });
});
