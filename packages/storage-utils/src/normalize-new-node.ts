import { InvalidNodeError } from '@dk/spec';
import type { ConversationRole } from '@dk/spec';

/** The roles a stored node may have. */
const roles: ReadonlySet<string> = new Set<ConversationRole>(['system', 'user', 'assistant', 'tool']);

/** A validated new node, with its JSON parts serialised, ready to be written by a store. */
export interface NormalizedNode {
  readonly role: ConversationRole;
  readonly content: string;
  readonly name: string | null;
  readonly toolCallId: string | null;
  readonly promptName: string | null;
  readonly branchName: string | null;
  /** `JSON.stringify` of the tool calls, or `null` when there are none. */
  readonly toolCallsJson: string | null;
  /** `JSON.stringify` of the metadata object (`"{}"` when none). */
  readonly metadataJson: string;
  /** Creation time in epoch milliseconds. */
  readonly createdAt: number;
}

const nulReason = 'contains a NUL character (U+0000), which SQL databases cannot store in text; remove it.';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * Serialises a metadata object as JSON, failing with `makeError(reason)` when it is not a
 * plain JSON-serialisable object.
 */
export function serializeMetadata(value: unknown, makeError: (reason: string, cause?: unknown) => Error): string {
  if (value === undefined) return '{}';
  if (!isPlainObject(value)) throw makeError('must be a plain object of JSON values, e.g. `{ tier: "pro" }`.');
  let json: string;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw makeError('is not JSON-serialisable (circular reference or BigInt); store plain JSON values only.', error);
  }
  if (json.includes('\\u0000')) throw makeError(nulReason);
  return json;
}

/** Validates a time option and returns epoch milliseconds. */
export function timeOption(value: unknown, makeError: (reason: string) => Error): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw makeError('must be a valid `Date`.');
  return value.getTime();
}

function optionalString(node: Record<string, unknown>, field: string): string | null {
  const value = node[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') {
    throw new InvalidNodeError({
      field: `node.${field}`,
      reason: `must be a string when given (got ${typeof value}).`,
    });
  }
  if (value.includes('\u0000')) throw new InvalidNodeError({ field: `node.${field}`, reason: nulReason });
  return value;
}

function serializeToolCalls(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) {
    throw new InvalidNodeError({ field: 'node.toolCalls', reason: 'must be an array of `{ id, name, arguments }`.' });
  }
  const calls = value.map((call: unknown, index) => {
    if (
      !isPlainObject(call) ||
      typeof call['id'] !== 'string' ||
      typeof call['name'] !== 'string' ||
      !isPlainObject(call['arguments'])
    ) {
      throw new InvalidNodeError({
        field: `node.toolCalls[${index}]`,
        reason: 'must be `{ id: string, name: string, arguments: object }`.',
      });
    }
    return { id: call['id'], name: call['name'], arguments: call['arguments'] };
  });
  try {
    const json = JSON.stringify(calls);
    if (json.includes('\\u0000')) throw new InvalidNodeError({ field: 'node.toolCalls', reason: nulReason });
    return json;
  } catch (error) {
    if (InvalidNodeError.isInstance(error)) throw error;
    throw new InvalidNodeError({
      field: 'node.toolCalls',
      reason: 'arguments are not JSON-serialisable; pass plain JSON values.',
      cause: error,
    });
  }
}

/**
 * Validates the caller-supplied part of a node (`NewConversationNode`) and serialises its
 * JSON parts. Throws `InvalidNodeError` naming the bad field.
 *
 * @param now - epoch milliseconds used when the node has no `createdAt`.
 */
export function normalizeNewNode(node: unknown, now: number): NormalizedNode {
  if (!isPlainObject(node)) {
    throw new InvalidNodeError({ field: 'node', reason: 'must be an object like `{ role: "user", content: "Hi" }`.' });
  }
  const role = node['role'];
  if (typeof role !== 'string' || !roles.has(role)) {
    throw new InvalidNodeError({
      field: 'node.role',
      reason: `must be one of "system", "user", "assistant", "tool" (got ${JSON.stringify(role) ?? 'undefined'}).`,
    });
  }
  const content = node['content'];
  if (typeof content !== 'string') {
    throw new InvalidNodeError({
      field: 'node.content',
      reason: 'must be a string; use "" for an assistant message that only calls tools.',
    });
  }
  if (content.includes('\u0000')) throw new InvalidNodeError({ field: 'node.content', reason: nulReason });
  const createdAt =
    node['createdAt'] === undefined
      ? now
      : timeOption(node['createdAt'], (reason) => new InvalidNodeError({ field: 'node.createdAt', reason }));
  return {
    role: role as ConversationRole,
    content,
    name: optionalString(node, 'name'),
    toolCallId: optionalString(node, 'toolCallId'),
    promptName: optionalString(node, 'promptName'),
    branchName: optionalString(node, 'branchName'),
    toolCallsJson: serializeToolCalls(node['toolCalls']),
    metadataJson: serializeMetadata(
      node['metadata'],
      (reason, cause) => new InvalidNodeError({ field: 'node.metadata', reason, cause }),
    ),
    createdAt,
  };
}
