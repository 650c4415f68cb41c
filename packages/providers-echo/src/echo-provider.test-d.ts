import type { LLMProvider } from '@dk/spec';
import { describe, expectTypeOf, it } from 'vitest';
import type { EchoProvider } from './echo-provider.js';
import type { EchoResponse } from './echo-response.js';

describe('EchoProvider types', () => {
  it('implements LLMProvider with embed', () => {
    expectTypeOf<EchoProvider>().toExtend<LLMProvider>();
    expectTypeOf<EchoProvider['embed']>().toBeFunction();
  });
  it('accepts strings and scripted objects as responses', () => {
    expectTypeOf<'text'>().toExtend<EchoResponse>();
    expectTypeOf<{ error: { kind: 'auth' } }>().toExtend<EchoResponse>();
    expectTypeOf<{ error: { kind: 'teapot' } }>().not.toExtend<EchoResponse>();
  });
});
