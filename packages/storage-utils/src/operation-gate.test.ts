import { StoreClosedError } from '@dk/spec';
import { describe, expect, it } from 'vitest';
import { OperationGate } from './operation-gate.js';

function deferred(): { promise: Promise<string>; resolve: (value: string) => void } {
  let resolve!: (value: string) => void;
  const promise = new Promise<string>((settle) => (resolve = settle));
  return { promise, resolve };
}

describe('OperationGate', () => {
  it('waits for running operations on close and refuses new ones at once', async () => {
    const gate = new OperationGate({ provider: 'test' });
    const work = deferred();
    const running = gate.run('appendNode', () => work.promise);
    expect(gate.running).toBe(1);
    let closed = false;
    const closing = gate.close().then((drained) => {
      closed = true;
      return drained;
    });
    await expect(gate.run('get', async () => 'x')).rejects.toSatisfy(
      (error) => StoreClosedError.isInstance(error) && error.operation === 'get' && error.provider === 'test',
    );
    await Promise.resolve();
    expect(closed).toBe(false);
    work.resolve('done');
    expect(await running).toBe('done');
    expect(await closing).toBe(true);
    expect(gate.close()).toBe(gate.close());
  });

  it('counts a failing operation as settled', async () => {
    const gate = new OperationGate({ provider: 'test' });
    await expect(gate.run('x', () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(gate.running).toBe(0);
    expect(await gate.close()).toBe(true);
  });

  it('stops waiting after drainTimeoutMs and says the drain did not finish', async () => {
    const gate = new OperationGate({ provider: 'test', drainTimeoutMs: 20 });
    const stuck = deferred();
    void gate.run('appendNode', () => stuck.promise);
    expect(await gate.close()).toBe(false);
    expect(() => gate.assertOpen('count')).toThrow(StoreClosedError);
    stuck.resolve('late');
  });
});
