import { redactSecrets } from '@dk/conversations';
import type { ConversationLogger, LogFields } from '@dk/conversations';

/** Log levels, lowest first; `silent` writes nothing. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const rank: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Options of {@link JsonLogger}. */
export interface JsonLoggerOptions {
  /** Lowest level written. Default `info`. */
  readonly level?: LogLevel;
  /** Where lines go. Default: standard error. */
  readonly write?: (line: string) => void;
  /** Exact secret values to redact besides the credential-shaped strings (e.g. the configured API key). */
  readonly secrets?: readonly string[];
  /** Fields added to every line. */
  readonly base?: LogFields;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * A structured logger: one JSON object per line (`time`, `level`, `msg`, fields) with every
 * string redacted — credential-shaped strings and the given secret values become `[REDACTED]`.
 */
export class JsonLogger implements ConversationLogger {
  readonly #level: number;
  readonly #write: (line: string) => void;
  readonly #patterns: readonly RegExp[];
  readonly #base: LogFields;

  constructor({
    level = 'info',
    write = (line) => process.stderr.write(line),
    secrets = [],
    base = {},
  }: JsonLoggerOptions = {}) {
    this.#level = rank[level];
    this.#write = write;
    this.#patterns = secrets
      .filter((secret) => secret.length >= 4)
      .map((secret) => new RegExp(escapeRegExp(secret), 'g'));
    this.#base = base;
  }

  debug(message: string, fields?: LogFields): void {
    this.log('debug', message, fields);
  }

  info(message: string, fields?: LogFields): void {
    this.log('info', message, fields);
  }

  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }

  /** Writes one line at `level` if the level is enabled. */
  log(level: Exclude<LogLevel, 'silent'>, message: string, fields: LogFields = {}): void {
    if (rank[level] < this.#level) return;
    const line = { time: new Date().toISOString(), level, msg: message, ...this.#base, ...fields };
    this.#write(`${JSON.stringify(this.#redact(line, 0))}\n`);
  }

  #redact(value: unknown, depth: number): unknown {
    if (typeof value === 'string') return redactSecrets(value, this.#patterns);
    if (value instanceof Error)
      return this.#redact(
        { name: value.name, message: value.message, ...('code' in value ? { code: value.code } : {}) },
        depth,
      );
    if (typeof value !== 'object' || value === null || depth >= 8) return value;
    if (value instanceof Date) return value.toISOString();
    if (Array.isArray(value)) return value.map((item) => this.#redact(item, depth + 1));
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = this.#redact(item, depth + 1);
    return copy;
  }
}
