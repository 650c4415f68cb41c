import { readFileSync } from 'node:fs';
import { InvalidOptionsError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { MissingParametersError } from './missing-parameters-error.js';
import type { RenderOptions } from './render-options.js';
import { renderTemplate } from './render-template.js';
import { TemplateOptionsError } from './template-options-error.js';
import { TemplateSyntaxError } from './template-syntax-error.js';
import { validateTemplateSyntax } from './validate-template-syntax.js';

interface Vector {
  readonly name: string;
  readonly template: string;
  readonly params?: unknown;
  readonly options?: Record<string, unknown>;
  readonly expect?: {
    readonly content: string;
    readonly variables?: string[];
    readonly unresolved?: string[];
    readonly missing?: string[];
    readonly warnings?: string[];
    readonly paramsUsed?: unknown;
  };
  readonly error?: {
    readonly name: string;
    readonly kinds?: string[];
    readonly line?: number;
    readonly column?: number;
    readonly missing?: string[];
    readonly reason?: string;
    readonly option?: string;
    readonly unknown?: string[];
    readonly suggestions?: Record<string, string>;
  };
}

const file = JSON.parse(readFileSync(new URL('../template-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Vector[];
};

/** Decodes the JSON stand-ins for values JSON cannot hold (`$undefined`, `$date`, `$bigint`). */
function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, '$undefined')) return undefined;
  if (typeof record['$date'] === 'string') return new Date(record['$date']);
  if (typeof record['$bigint'] === 'string') return BigInt(record['$bigint']);
  const out: Record<string, unknown> = {};
  // defineProperty keeps an own `__proto__` key a plain key.
  for (const key of Object.keys(record))
    Object.defineProperty(out, key, {
      value: decode(record[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return out;
}

function optionsOf(vector: Vector): RenderOptions | undefined {
  if (vector.options === undefined) return undefined;
  const { clock, ...rest } = vector.options;
  const options = decode(rest) as Record<string, unknown>;
  if (typeof clock === 'string') options['clock'] = () => new Date(clock);
  return options as RenderOptions;
}

describe('conformance vectors (template-vectors.json)', () => {
  it('has at least 80 vectors with distinct names', () => {
    expect(file.vectors.length).toBeGreaterThanOrEqual(80);
    expect(new Set(file.vectors.map((vector) => vector.name)).size).toBe(file.vectors.length);
  });

  it.each(file.vectors.map((vector) => [vector.name, vector] as const))('%s', (_name, vector) => {
    const params = decode(vector.params) as Record<string, unknown> | undefined;
    const options = optionsOf(vector);
    if (vector.error !== undefined) {
      let thrown: unknown;
      try {
        renderTemplate(vector.template, params, options);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeDefined();
      expect((thrown as Error).name).toBe(vector.error.name);
      if (TemplateSyntaxError.isInstance(thrown)) {
        if (vector.error.kinds !== undefined)
          expect(thrown.issues.map((issue) => issue.kind)).toEqual(vector.error.kinds);
        if (vector.error.line !== undefined) expect(thrown.line).toBe(vector.error.line);
        if (vector.error.column !== undefined) expect(thrown.column).toBe(vector.error.column);
        expect(validateTemplateSyntax(vector.template)).toEqual(thrown.issues);
      } else if (MissingParametersError.isInstance(thrown)) {
        expect(thrown.missing).toEqual(vector.error.missing);
        expect(thrown.reason).toBe(vector.error.reason);
      } else if (TemplateOptionsError.isInstance(thrown)) {
        expect(thrown.option).toBe(vector.error.option);
      } else if (InvalidOptionsError.isInstance(thrown)) {
        expect(thrown.unknown).toEqual(vector.error.unknown);
        expect(thrown.suggestions).toEqual(vector.error.suggestions);
      } else {
        throw new Error(`vector ${vector.name} threw an unexpected ${String(thrown)}`);
      }
      return;
    }
    const expected = vector.expect;
    if (expected === undefined) throw new Error(`vector ${vector.name} has neither expect nor error`);
    expect(validateTemplateSyntax(vector.template)).toEqual([]);
    const result = renderTemplate(vector.template, params, options);
    expect(result.content).toBe(expected.content);
    if (expected.variables !== undefined) expect(result.variables).toEqual(expected.variables);
    expect(result.unresolved).toEqual(expected.unresolved ?? result.unresolved);
    expect(result.missing).toEqual(expected.missing ?? []);
    expect(result.warnings).toEqual(expected.warnings ?? []);
    if (expected.paramsUsed !== undefined) expect(result.paramsUsed).toEqual(decode(expected.paramsUsed));
  });
});
