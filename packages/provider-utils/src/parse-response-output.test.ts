import { StructuredOutputError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { parseResponseOutput } from './parse-response-output.js';

const toolCall = { id: 'c1', name: 'lookup', arguments: { q: 'x' } };

describe('parseResponseOutput', () => {
  it('parses and validates a response without tool calls', () => {
    expect(parseResponseOutput({ content: '{"a":1}', finishReason: 'stop' }, { type: 'json' }, 'test')).toEqual({
      a: 1,
    });
    expect(() =>
      parseResponseOutput(
        { content: '{}', finishReason: 'stop', toolCalls: [] },
        { type: 'json-schema', schema: { type: 'array' } },
        'test',
      ),
    ).toThrow(StructuredOutputError);
    expect(() => parseResponseOutput({ content: '{"a":', finishReason: 'length' }, { type: 'json' }, 'test')).toThrow(
      StructuredOutputError,
    );
  });

  it('skips a response that called tools, by tool calls or by finish reason', () => {
    expect(
      parseResponseOutput({ content: '', finishReason: 'tool_calls', toolCalls: [toolCall] }, { type: 'json' }, 'test'),
    ).toBeUndefined();
    expect(
      parseResponseOutput(
        { content: 'Looking it up.', finishReason: 'stop', toolCalls: [toolCall] },
        { type: 'json' },
        'test',
      ),
    ).toBeUndefined();
    expect(parseResponseOutput({ content: '', finishReason: 'tool_calls' }, { type: 'json' }, 'test')).toBeUndefined();
  });

  it('returns undefined without a JSON format', () => {
    expect(parseResponseOutput({ content: 'hi', finishReason: 'stop' }, undefined, 'test')).toBeUndefined();
    expect(parseResponseOutput({ content: 'hi', finishReason: 'stop' }, { type: 'text' }, 'test')).toBeUndefined();
  });
});
