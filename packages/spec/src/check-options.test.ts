import { describe, expect, it } from 'vitest';
import { checkOptions } from './check-options.js';
import { InvalidOptionsError } from './invalid-options-error.js';

describe('checkOptions', () => {
  const known = ['echoPrefix', 'model', 'responses'];

  it('accepts known options, undefined values and a missing options object', () => {
    expect(() => checkOptions('EchoProvider', { echoPrefix: 'x', model: undefined }, known)).not.toThrow();
    expect(() => checkOptions('EchoProvider', undefined, known)).not.toThrow();
    expect(() => checkOptions('EchoProvider', { extra: undefined }, known)).not.toThrow();
  });

  it('names the camelCase form of a snake_case option', () => {
    const error = (() => {
      try {
        checkOptions('EchoProvider', { echo_prefix: 'Echo: ' }, known);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(InvalidOptionsError.isInstance(error)).toBe(true);
    expect((error as InvalidOptionsError).suggestions).toEqual({ echo_prefix: 'echoPrefix' });
    expect((error as InvalidOptionsError).message).toContain('`echo_prefix` (did you mean `echoPrefix`?)');
  });

  it('suggests the closest name for a misspelling and lists every unknown key', () => {
    expect(() => checkOptions('EchoProvider', { modle: 'x', zzzzzzzz: 1 }, known)).toThrow(
      /`modle` \(did you mean `model`\?\), `zzzzzzzz`\. Known options: `echoPrefix`, `model`, `responses`\./,
    );
  });

  it('refuses a non-object', () => {
    expect(() => checkOptions('EchoProvider', 'gpt-4o', known)).toThrow(/expects an options object, got string/);
    expect(() => checkOptions('EchoProvider', [], known)).toThrow(/got an array/);
  });
});
