import { StructuredOutputError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { StreamAssembler } from './stream-assembler.js';
import { ToolCallArgumentsError } from './tool-call-arguments-error.js';

describe('StreamAssembler', () => {
  it('assembles text and OpenAI-style indexed tool-call fragments', () => {
    const assembler = new StreamAssembler({ provider: 'test', model: 'm-alias' });
    expect(assembler.text('')).toBeUndefined();
    expect(assembler.text('Hel')).toEqual({ type: 'text-delta', text: 'Hel' });
    assembler.text('lo');
    expect(assembler.toolCallDelta({ index: 1, id: 'b', name: 'sum', argumentsDelta: '{"a":' })).toEqual({
      type: 'tool-call-delta',
      index: 1,
      toolCallId: 'b',
      toolName: 'sum',
      argumentsDelta: '{"a":',
    });
    assembler.toolCallDelta({ index: 0, id: 'a', name: 'now' });
    assembler.toolCallDelta({ index: 1, argumentsDelta: '2}' });
    assembler.setModel('m-2026');
    const parts = assembler.finish({
      finishReason: 'tool_calls',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
      metadata: { requestId: 'r' },
    });
    expect(parts.map((part) => part.type)).toEqual(['tool-call', 'tool-call', 'end']);
    const end = parts[2];
    expect(end?.type === 'end' && end.response).toEqual({
      content: 'Hello',
      model: 'm-2026',
      finishReason: 'tool_calls',
      usage: { promptTokens: 1, completionTokens: 2, totalTokens: 3 },
      toolCalls: [
        { id: 'a', name: 'now', arguments: {} },
        { id: 'b', name: 'sum', arguments: { a: 2 } },
      ],
      metadata: { provider: 'test', requestId: 'r' },
      warnings: [],
    });
  });

  it('completes a tool call once (Anthropic content_block_stop) and not again at finish', () => {
    const assembler = new StreamAssembler({ provider: 'test', model: 'm' });
    assembler.toolCallDelta({ index: 3, id: 'toolu_1', name: 'get', argumentsDelta: '{"q":"x"}' });
    expect(assembler.completeToolCall(3)).toEqual({
      type: 'tool-call',
      toolCall: { id: 'toolu_1', name: 'get', arguments: { q: 'x' } },
    });
    expect(assembler.completeToolCall(3)).toBeUndefined();
    const parts = assembler.finish({ finishReason: 'tool_calls' });
    expect(parts.map((part) => part.type)).toEqual(['end']);
  });

  it('throws ToolCallArgumentsError for malformed arguments', () => {
    const assembler = new StreamAssembler({ provider: 'test', model: 'm' });
    assembler.toolCallDelta({ index: 0, id: 'x', name: 'f', argumentsDelta: '{"a":' });
    expect(() => assembler.finish({ finishReason: 'tool_calls' })).toThrow(ToolCallArgumentsError);
  });

  it('parses and validates structured output at the end', () => {
    const ok = new StreamAssembler({ provider: 'test', model: 'm', responseFormat: { type: 'json' } });
    ok.text('{"a"');
    ok.text(':1}');
    const end = ok.finish({ finishReason: 'stop' }).at(-1);
    expect(end?.type === 'end' && end.response.parsed).toEqual({ a: 1 });
    const bad = new StreamAssembler({
      provider: 'test',
      model: 'm',
      responseFormat: { type: 'json-schema', schema: { type: 'array' } },
    });
    bad.text('{}');
    expect(() => bad.finish({ finishReason: 'stop' })).toThrow(StructuredOutputError);
  });

  it('does not parse the response format when the stream ended with tool calls', () => {
    const schema = { type: 'json-schema', schema: { type: 'object', required: ['a'] } } as const;
    const withCalls = new StreamAssembler({ provider: 'test', model: 'm', responseFormat: schema });
    withCalls.toolCallDelta({ index: 0, id: 'c1', name: 'lookup', argumentsDelta: '{"q":"x"}' });
    const parts = withCalls.finish({ finishReason: 'tool_calls' });
    const end = parts.at(-1);
    expect(end?.type === 'end' && end.response).toMatchObject({
      content: '',
      toolCalls: [{ id: 'c1', name: 'lookup', arguments: { q: 'x' } }],
    });
    expect(end?.type === 'end' && 'parsed' in end.response).toBe(false);
    // Tool calls also skip parsing when the vendor reports another finish reason…
    const stopped = new StreamAssembler({ provider: 'test', model: 'm', responseFormat: { type: 'json' } });
    stopped.text('Let me look that up.');
    stopped.toolCallDelta({ index: 0, id: 'c2', name: 'lookup', argumentsDelta: '{}' });
    expect(() => stopped.finish({ finishReason: 'stop' })).not.toThrow();
    // …and finish reason tool_calls skips it even without assembled calls.
    const reasonOnly = new StreamAssembler({ provider: 'test', model: 'm', responseFormat: { type: 'json' } });
    expect(() => reasonOnly.finish({ finishReason: 'tool_calls' })).not.toThrow();
    // Without tool calls the format still applies.
    const plain = new StreamAssembler({ provider: 'test', model: 'm', responseFormat: { type: 'json' } });
    plain.text('not json');
    expect(() => plain.finish({ finishReason: 'stop' })).toThrow(StructuredOutputError);
  });

  it('refuses to finish twice', () => {
    const assembler = new StreamAssembler({ provider: 'test', model: 'm' });
    assembler.finish({ finishReason: 'stop' });
    expect(() => assembler.finish({ finishReason: 'stop' })).toThrow(/twice/);
  });
});
