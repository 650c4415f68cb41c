import type { ConversationNode, LLMMessage } from '@dk/spec';
import { deepFreeze } from './deep-freeze.js';

/** One node of the cached active path with its message form. */
export interface PathEntry {
  readonly node: ConversationNode;
  readonly message: LLMMessage;
  /** Estimated tokens of the path up to and including this node. */
  readonly cumulativeTokens: number;
}

/** The manager's token estimate of a message: characters / 4, plus 4 for the message frame. */
export function estimateTokens(content: string): number {
  return Math.ceil(content.length / 4) + 4;
}

/** The message a node contributes to a model call (frozen). */
function toMessage(node: ConversationNode): LLMMessage {
  return deepFreeze({
    role: node.role,
    content: node.content,
    ...(node.name === undefined ? {} : { name: node.name }),
    ...(node.toolCallId === undefined ? {} : { toolCallId: node.toolCallId }),
    ...(node.role === 'tool' && node.metadata['isError'] === true ? { isError: true } : {}),
    ...(node.toolCalls === undefined || node.toolCalls.length === 0 ? {} : { toolCalls: node.toolCalls }),
    metadata: node.metadata,
  });
}

/**
 * The active path (root → cursor) as the manager caches it. Node ids are opaque here: the
 * position of a node on the path is found through an id index, never by parsing the id, so
 * lookups cost O(1) at any depth. The entries array only ever grows in place while it is
 * the current path; snapshots keep their own length.
 */
export class ActivePath {
  #entries: PathEntry[] = [];
  /** The messages of `#entries`, kept in step with it (so a turn does not rebuild them). */
  #messages: LLMMessage[] = [];
  /** Id → position on some path seen; validated against the current entries on read. */
  readonly #positions = new Map<string, number>();
  readonly #onEntry: (node: ConversationNode) => void;

  /** `onEntry` sees every node that becomes part of a path (e.g. to index its RAG results). */
  constructor(onEntry: (node: ConversationNode) => void) {
    this.#onEntry = onEntry;
  }

  /** The current entries (do not mutate; copy before keeping past the next change). */
  get entries(): readonly PathEntry[] {
    return this.#entries;
  }

  get length(): number {
    return this.#entries.length;
  }

  /** The cursor's entry, `undefined` for an empty conversation. */
  get last(): PathEntry | undefined {
    return this.#entries.at(-1);
  }

  /** Position of `nodeId` on the current path, or -1. */
  indexOf(nodeId: string): number {
    const position = this.#positions.get(nodeId);
    return position !== undefined && this.#entries[position]?.node.id === nodeId ? position : -1;
  }

  /** The messages of the first `length` entries (default all) as a new frozen array. */
  messages(length = this.#entries.length): readonly LLMMessage[] {
    return Object.freeze(length === this.#messages.length ? this.#messages.slice() : this.#messages.slice(0, length));
  }

  /** The first `length` entries (a copy). */
  prefix(length: number): PathEntry[] {
    return this.#entries.slice(0, length);
  }

  /** Builds entries for `nodes` (root first) on top of `base` without making them current. */
  build(nodes: readonly ConversationNode[], base: readonly PathEntry[] = []): PathEntry[] {
    const entries = [...base];
    for (const node of nodes) entries.push(this.#entry(node, entries.at(-1), entries.length));
    return entries;
  }

  /** Makes `entries` the current path. */
  replace(entries: PathEntry[]): void {
    this.#entries = entries;
    this.#messages = entries.map((entry) => entry.message);
    for (let index = 0; index < entries.length; index += 1) this.#positions.set(entries[index]!.node.id, index);
  }

  /**
   * Makes `base` + `node` the current path and returns the frozen node. When `base` is the
   * current entries array it is extended in place (O(1)); otherwise a new array is made.
   */
  advance(base: readonly PathEntry[], node: ConversationNode): ConversationNode {
    const entry = this.#entry(node, base.at(-1), base.length);
    if (base === this.#entries) {
      this.#entries.push(entry);
      this.#messages.push(entry.message);
    } else this.replace([...base, entry]);
    this.#positions.set(entry.node.id, base.length);
    return entry.node;
  }

  #entry(node: ConversationNode, previous: PathEntry | undefined, position: number): PathEntry {
    const frozen = deepFreeze(node);
    this.#onEntry(frozen);
    this.#positions.set(frozen.id, position);
    return {
      node: frozen,
      message: toMessage(frozen),
      cumulativeTokens: (previous?.cumulativeTokens ?? 0) + estimateTokens(frozen.content),
    };
  }
}
