import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** A conversation export document could not be imported. Nothing was imported. */
export class ConversationImportError extends DkError {
  static override readonly errorName: string = 'ConversationImportError';

  /** JSON path of the offending field, e.g. `nodes[3].parentId`. */
  readonly path: string;
  /** What is wrong with it. */
  readonly reason: string;

  constructor({ path, reason, cause }: { readonly path: string; readonly reason: string; readonly cause?: unknown }) {
    super({
      message: `Cannot import conversation: \`${path}\` ${reason}. Import documents produced by \`exportConversation\` (format "dk.conversation", version 1).`,
      code: 'CONVERSATION_IMPORT_INVALID',
      cause,
    });
    this.path = path;
    this.reason = reason;
  }

  override get fields(): DkErrorFields {
    return { path: this.path, reason: this.reason };
  }
}
