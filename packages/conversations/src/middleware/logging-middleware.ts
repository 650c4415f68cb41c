import { checkOptionValues } from '../check-option-values.js';
import type { LLMMessage, LLMResponse } from '@dk/spec';
import type { ConversationLogger } from '../conversation-logger.js';
import type { ConversationMiddleware, MiddlewareContext } from '../conversation-middleware.js';
import { redactSecrets, redactValue } from '../redact-secrets.js';

/** Settings of {@link LoggingMiddleware}. */
export interface LoggingMiddlewareOptions {
  /** Where lines go. Default `console`. */
  readonly logger?: ConversationLogger;
  /** Also log a preview of the last request message and of the response. Default `false`. */
  readonly logContent?: boolean;
  /** Characters of content previews. Default 200. */
  readonly previewLength?: number;
  /** Extra patterns to redact besides the built-in API-key patterns. */
  readonly redactPatterns?: readonly RegExp[];
}

function isLogger(value: unknown): value is ConversationLogger {
  return typeof value === 'object' && value !== null && typeof (value as ConversationLogger).info === 'function';
}

/**
 * Logs every model call as structured lines: `Sending <n> messages to LLM` before,
 * `Received response: …` after, `Model call failed: …` on errors. Secrets (API-key-like
 * strings and `redactPatterns`) are redacted from every logged string.
 */
export class LoggingMiddleware implements ConversationMiddleware {
  readonly name = 'LoggingMiddleware';
  readonly #logger: ConversationLogger;
  readonly #logContent: boolean;
  readonly #previewLength: number;
  readonly #patterns: readonly RegExp[];

  /** Takes a logger (the guide's `new LoggingMiddleware(logger)`) or options. */
  constructor(loggerOrOptions: ConversationLogger | LoggingMiddlewareOptions = {}) {
    const options: LoggingMiddlewareOptions = isLogger(loggerOrOptions) ? { logger: loggerOrOptions } : loggerOrOptions;
    checkOptionValues('LoggingMiddleware', options, {
      logger: { methods: ['info', 'error'], described: 'a logger' },
      logContent: 'boolean',
      previewLength: 'number',
      redactPatterns: 'regexp-array',
    });
    this.#logger = options.logger ?? console;
    this.#logContent = options.logContent ?? false;
    this.#previewLength = options.previewLength ?? 200;
    this.#patterns = options.redactPatterns ?? [];
  }

  #preview(text: string): string {
    return redactSecrets(text.slice(0, this.#previewLength), this.#patterns);
  }

  processRequest(messages: readonly LLMMessage[], context: MiddlewareContext): undefined {
    const last = messages.at(-1);
    this.#logger.info(`Conversation ${context.conversationId} - Sending ${messages.length} messages to LLM`, {
      conversationId: context.conversationId,
      operation: context.operation,
      attempt: context.attempt,
      provider: context.provider,
      messageCount: messages.length,
      // The last few roles only: a log line must not grow with the conversation.
      lastRoles: messages.slice(-4).map((message) => message.role),
      ...(this.#logContent && last !== undefined ? { lastMessage: this.#preview(last.content) } : {}),
    });
    return undefined;
  }

  processResponse(response: LLMResponse, context: MiddlewareContext): undefined {
    this.#logger.info(
      `Conversation ${context.conversationId} - Received response: ${response.content.length} chars, model=${response.model}, finishReason=${response.finishReason}`,
      {
        conversationId: context.conversationId,
        operation: context.operation,
        attempt: context.attempt,
        chars: response.content.length,
        model: response.model,
        finishReason: response.finishReason,
        usage: response.usage,
        ...(this.#logContent ? { content: this.#preview(response.content) } : {}),
      },
    );
    return undefined;
  }

  onError(error: unknown, context: MiddlewareContext): void {
    const message = error instanceof Error ? error.message : String(error);
    const details =
      error instanceof Error && typeof (error as { toJSON?: unknown }).toJSON === 'function'
        ? (error as unknown as { toJSON(): unknown }).toJSON()
        : { name: error instanceof Error ? error.name : typeof error, message };
    this.#logger.error(
      `Conversation ${context.conversationId} - Model call failed: ${redactSecrets(message, this.#patterns)}`,
      {
        conversationId: context.conversationId,
        operation: context.operation,
        attempt: context.attempt,
        error: redactValue(details, this.#patterns),
      },
    );
  }
}
