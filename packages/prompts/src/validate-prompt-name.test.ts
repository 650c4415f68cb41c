import { describe, expect, it } from 'vitest';
import { InvalidPromptNameError } from './invalid-prompt-name-error.js';
import { validatePromptName } from './validate-prompt-name.js';

describe('validatePromptName', () => {
  it.each(['code_reviewer', 'billing/refund', 'v1.2/prompt-a', '_private'])('accepts %s', (name) => {
    expect(() => validatePromptName(name)).not.toThrow();
  });

  it.each([
    ['', /empty/],
    ['../secrets', /"\.\." segment/],
    ['a/./b', /"\." segment/],
    ['/etc/passwd', /absolute path/],
    ['C:/x', /absolute path/],
    ['a\\b', /backslash/],
    ['a//b', /empty segment/],
    ['a b', /characters outside/],
    ['.hidden', /characters outside/],
  ])('rejects %j', (name, reason) => {
    let caught: unknown;
    try {
      validatePromptName(name);
    } catch (error) {
      caught = error;
    }
    expect(InvalidPromptNameError.isInstance(caught)).toBe(true);
    expect((caught as Error).message).toMatch(reason);
    expect((caught as InvalidPromptNameError).code).toBe('PROMPT_NAME_INVALID');
  });
});
