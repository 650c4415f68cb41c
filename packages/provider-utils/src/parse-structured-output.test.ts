import { InvalidRequestError, StructuredOutputError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { parseStructuredOutput } from './parse-structured-output.js';

const schema = {
  type: 'object',
  properties: { name: { type: 'string' }, age: { type: 'integer', minimum: 0 } },
  required: ['name', 'age'],
  additionalProperties: false,
} as const;

describe('parseStructuredOutput', () => {
  it('returns undefined for text output', () => {
    expect(parseStructuredOutput('hello', undefined, 'test')).toBeUndefined();
    expect(parseStructuredOutput('{"a":1}', { type: 'text' }, 'test')).toBeUndefined();
  });

  it('parses JSON mode output', () => {
    expect(parseStructuredOutput('{"a":[1,2]}', { type: 'json' }, 'test')).toEqual({ a: [1, 2] });
  });

  it('tolerates one surrounding Markdown code fence', () => {
    expect(parseStructuredOutput('```json\n{"a":1}\n```', { type: 'json' }, 'test')).toEqual({ a: 1 });
  });

  it('throws StructuredOutputError without issues for invalid JSON', () => {
    try {
      parseStructuredOutput('not json', { type: 'json' }, 'test');
      expect.unreachable();
    } catch (error) {
      expect(StructuredOutputError.isInstance(error)).toBe(true);
      expect((error as StructuredOutputError).issues).toEqual([]);
      expect((error as StructuredOutputError).text).toBe('not json');
      expect((error as StructuredOutputError).isRetryable).toBe(false);
    }
  });

  it('validates a JSON Schema and returns the value', () => {
    expect(parseStructuredOutput('{"name":"Ada","age":36}', { type: 'json-schema', schema }, 'test')).toEqual({
      name: 'Ada',
      age: 36,
    });
  });

  it('reports every schema violation with a JSON Pointer path', () => {
    try {
      parseStructuredOutput('{"age":-1,"extra":true}', { type: 'json-schema', schema }, 'test');
      expect.unreachable();
    } catch (error) {
      expect(StructuredOutputError.isInstance(error)).toBe(true);
      const paths = (error as StructuredOutputError).issues.map((issue) => issue.path).sort();
      expect(paths).toEqual(['/age', '/extra', '/name']);
      expect((error as StructuredOutputError).message).toContain('3 issues');
    }
  });

  it('supports draft 2020-12 schemas', () => {
    const tupleSchema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'array',
      prefixItems: [{ type: 'number' }],
      items: false,
    };
    expect(parseStructuredOutput('[1]', { type: 'json-schema', schema: tupleSchema }, 'test')).toEqual([1]);
    expect(() => parseStructuredOutput('[1,2]', { type: 'json-schema', schema: tupleSchema }, 'test')).toThrow(
      StructuredOutputError,
    );
  });

  it('reuses the compiled validator for equal schemas', () => {
    const first = { type: 'object', required: ['x'] };
    const copy = { type: 'object', required: ['x'] };
    expect(() => parseStructuredOutput('{}', { type: 'json-schema', schema: first }, 'test')).toThrow(
      StructuredOutputError,
    );
    expect(() => parseStructuredOutput('{}', { type: 'json-schema', schema: copy }, 'test')).toThrow(
      StructuredOutputError,
    );
    expect(parseStructuredOutput('{"x":1}', { type: 'json-schema', schema: copy }, 'test')).toEqual({ x: 1 });
  });

  it('throws InvalidRequestError for an invalid schema', () => {
    expect(() =>
      parseStructuredOutput('{}', { type: 'json-schema', schema: { type: 'no-such-type' } }, 'test'),
    ).toThrow(InvalidRequestError);
  });
});
