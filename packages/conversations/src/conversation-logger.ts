/** Structured fields attached to a log line. */
export type LogFields = Readonly<Record<string, unknown>>;

/**
 * The logger the built-in middleware write to: one method per level, each taking a message
 * and structured fields. `console` satisfies it, as do pino-style adapters.
 */
export interface ConversationLogger {
  debug?(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}
