import { describe, expect, it } from 'vitest';
import { ConversationConflictError } from './conversation-conflict-error.js';
import { ConversationExistsError } from './conversation-exists-error.js';
import { ConversationNotFoundError } from './conversation-not-found-error.js';
import { ConversationStoreError } from './conversation-store-error.js';
import { DkError } from './dk-error.js';
import { InvalidFilterError } from './invalid-filter-error.js';
import { InvalidNodeError } from './invalid-node-error.js';
import { NodeNotFoundError } from './node-not-found-error.js';
import { StoreClosedError } from './store-closed-error.js';
import { StoreUnavailableError } from './store-unavailable-error.js';

describe('conversation store errors', () => {
  const cases = [
    [new ConversationNotFoundError({ conversationId: 'c1' }), 'CONVERSATION_NOT_FOUND', { conversationId: 'c1' }],
    [
      new NodeNotFoundError({ conversationId: 'c1', nodeId: '0.1' }),
      'NODE_NOT_FOUND',
      { conversationId: 'c1', nodeId: '0.1' },
    ],
    [
      new ConversationConflictError({ conversationId: 'c1', expectedVersion: 2, actualVersion: 3 }),
      'CONVERSATION_CONFLICT',
      { conversationId: 'c1', expectedVersion: 2, actualVersion: 3 },
    ],
    [new ConversationExistsError({ conversationId: 'c1' }), 'CONVERSATION_EXISTS', { conversationId: 'c1' }],
    [
      new InvalidFilterError({ field: 'limit', reason: 'must be 1–1000' }),
      'INVALID_FILTER',
      { field: 'limit', reason: 'must be 1–1000' },
    ],
    [new InvalidNodeError({ field: 'role', reason: 'bad' }), 'INVALID_NODE', { field: 'role', reason: 'bad' }],
    [
      new StoreClosedError({ provider: 'memory', operation: 'get' }),
      'STORE_CLOSED',
      { provider: 'memory', operation: 'get' },
    ],
    [
      new ConversationStoreError({
        provider: 'sqlite',
        operation: 'load',
        detail: 'disk I/O error',
        cause: new Error('x'),
      }),
      'STORE_FAILURE',
      { provider: 'sqlite', operation: 'load', isRetryable: false },
    ],
    [
      new StoreUnavailableError({
        provider: 'postgres',
        operation: 'appendNode',
        detail: 'connection terminated',
        cause: new Error('x'),
      }),
      'STORE_UNAVAILABLE',
      { provider: 'postgres', operation: 'appendNode', isRetryable: true },
    ],
  ] as const;

  it.each(cases)('%s has a stable name, code and fields', (error, code, fields) => {
    expect(error.code).toBe(code);
    expect(error.name).toBe((error.constructor as typeof DkError).errorName);
    expect(error.fields).toEqual(fields);
    expect(DkError.isInstance(error)).toBe(true);
    expect((error.constructor as typeof DkError).isInstance(error)).toBe(true);
    expect(error.toJSON()).toMatchObject({ code, ...fields });
  });

  it('marks a transient store failure retryable and keeps it a ConversationStoreError', () => {
    const error = new StoreUnavailableError({ provider: 'postgres', operation: 'appendNode', detail: 'reset' });
    expect(ConversationStoreError.isInstance(error)).toBe(true);
    expect(error.isRetryable).toBe(true);
    expect(error.message).toMatch(/retry/);
    expect(new ConversationStoreError({ provider: 'sqlite', operation: 'x', detail: 'y' }).isRetryable).toBe(false);
  });

  it('tells errors apart with isInstance', () => {
    const error = new ConversationConflictError({ conversationId: 'c', expectedVersion: 1, actualVersion: 2 });
    expect(ConversationNotFoundError.isInstance(error)).toBe(false);
    expect(ConversationConflictError.isInstance(error)).toBe(true);
  });

  it('keeps the cause and shortens very long node ids in the message', () => {
    const cause = new Error('driver');
    expect(new ConversationStoreError({ provider: 'pg', operation: 'x', detail: 'y', cause }).cause).toBe(cause);
    const longId = Array.from({ length: 500 }, () => '0').join('.');
    const error = new NodeNotFoundError({ conversationId: 'c', nodeId: longId });
    expect(error.message.length).toBeLessThan(400);
    expect(error.nodeId).toBe(longId);
  });
});
