import { DkError } from '@dk/spec';
import type { DkErrorFields } from '@dk/spec';

/** Options every `@dk/tools-mcp` error takes. */
export interface McpToolsErrorOptions {
  /** What failed and how to fix it. Never contains header values, environment values or URL credentials. */
  readonly message: string;
  /** The server's label (its `name` setting, else the name it reported, else its command or URL without credentials). */
  readonly server?: string;
  readonly cause?: unknown;
}

/**
 * Base class of every error of `@dk/tools-mcp`. Branch on the subclass (`isInstance`) and its
 * fields, never on the message.
 */
export class McpToolsError extends DkError {
  static override readonly errorName: string = 'McpToolsError';

  /** The server's label; `undefined` for settings refused before connecting. */
  readonly server: string | undefined;

  constructor(options: McpToolsErrorOptions & { readonly code: string }) {
    super({ message: options.message, code: options.code, cause: options.cause });
    this.server = options.server;
  }

  override get fields(): DkErrorFields {
    return { server: this.server };
  }
}
