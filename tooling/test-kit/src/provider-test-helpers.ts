import { InvalidOptionsError, ProviderError } from '@dk/spec';
import type { StreamPart } from '@dk/spec';
import { expect } from 'vitest';

/** Every part of a stream, in order. */
export async function collectParts(stream: AsyncIterable<StreamPart>): Promise<StreamPart[]> {
  const parts: StreamPart[] = [];
  for await (const part of stream) parts.push(part);
  return parts;
}

/** What `promise` rejects with, or `undefined` when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  return undefined;
}

/** The `ProviderError` `promise` rejects with; fails the test when it resolves or rejects with anything else. */
export async function providerFailure(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await caught(promise);
  expect(error, 'expected the call to fail').toBeDefined();
  expect(ProviderError.isInstance(error), `expected a ProviderError, got ${String(error)}`).toBe(true);
  return error as ProviderError;
}

/** The `InvalidOptionsError` `run` throws; fails the test otherwise. */
export function invalidOptionsFailure(run: () => unknown): InvalidOptionsError {
  try {
    run();
  } catch (error) {
    expect(InvalidOptionsError.isInstance(error), String(error)).toBe(true);
    return error as InvalidOptionsError;
  }
  throw new Error('expected InvalidOptionsError');
}
