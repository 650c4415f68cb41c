import { DkError } from './dk-error.js';
import type { DkErrorFields } from './dk-error.js';

const shownIdLength = 80;

/** A node id does not exist in a conversation's tree. */
export class NodeNotFoundError extends DkError {
  static override readonly errorName: string = 'NodeNotFoundError';

  /** The conversation that was searched. */
  readonly conversationId: string;
  /** The node id that was not found (dot path; `""` is the root). */
  readonly nodeId: string;

  constructor({
    conversationId,
    nodeId,
    cause,
  }: {
    readonly conversationId: string;
    readonly nodeId: string;
    readonly cause?: unknown;
  }) {
    const shown = nodeId.length > shownIdLength ? `${nodeId.slice(0, shownIdLength)}…` : nodeId;
    super({
      message: `Node "${shown}" does not exist in conversation "${conversationId}". Node ids are dot paths of child positions ("" is the root, then "0", "0.1", …); read existing ids with \`store.load()\` or \`store.getChildren()\`.`,
      code: 'NODE_NOT_FOUND',
      cause,
    });
    this.conversationId = conversationId;
    this.nodeId = nodeId;
  }

  override get fields(): DkErrorFields {
    return { conversationId: this.conversationId, nodeId: this.nodeId };
  }
}
