import { checkOptionValues } from '../check-option-values.js';
import { ConversationInputError } from '../conversation-input-error.js';
import type { ConversationLogger } from '../conversation-logger.js';
import type { ConversationMiddleware, MiddlewareContext } from '../conversation-middleware.js';

/** Settings of {@link PerformanceMiddleware}. */
export interface PerformanceMiddlewareOptions {
  /** Calls slower than this (milliseconds) are logged as warnings. Default 5000. */
  readonly slowThresholdMs?: number;
  /** Receives slow-call warnings. Default `console`. */
  readonly logger?: ConversationLogger;
  /** Recent durations kept for percentiles. Default 1000. */
  readonly sampleSize?: number;
  /** Millisecond clock. Default `performance.now`. */
  readonly now?: () => number;
}

/** Latency statistics, in milliseconds. */
export interface PerformanceStats {
  /** Completed calls measured. */
  readonly calls: number;
  /** Failed calls observed. */
  readonly errors: number;
  /** Calls over the slow threshold. */
  readonly slowCalls: number;
  readonly averageMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  /** Median of the recent samples. */
  readonly p50Ms: number;
  /** 95th percentile of the recent samples. */
  readonly p95Ms: number;
}

function percentile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)]!;
}

/**
 * Times each model call from request to response (middleware inside it included), records
 * `llmDurationMs` on the assistant node, warns about slow calls and keeps statistics.
 */
export class PerformanceMiddleware implements ConversationMiddleware {
  readonly name = 'PerformanceMiddleware';
  readonly #slowThresholdMs: number;
  readonly #logger: ConversationLogger;
  readonly #sampleSize: number;
  readonly #now: () => number;
  readonly #key = Symbol('performance-start');
  readonly #samples: number[] = [];
  #next = 0;
  #calls = 0;
  #errors = 0;
  #slow = 0;
  #total = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = 0;

  constructor(options: PerformanceMiddlewareOptions = {}) {
    checkOptionValues('PerformanceMiddleware', options, {
      slowThresholdMs: 'number',
      logger: { methods: ['warn'], described: 'a logger' },
      sampleSize: 'number',
      now: 'function',
    });
    const { slowThresholdMs = 5000, logger = console, sampleSize = 1000, now = () => performance.now() } = options;
    if (!(slowThresholdMs >= 0))
      throw new ConversationInputError({ field: 'slowThresholdMs', reason: 'must be a number ≥ 0' });
    if (!Number.isInteger(sampleSize) || sampleSize < 1)
      throw new ConversationInputError({ field: 'sampleSize', reason: 'must be a positive integer' });
    this.#slowThresholdMs = slowThresholdMs;
    this.#logger = logger;
    this.#sampleSize = sampleSize;
    this.#now = now;
  }

  processRequest(_messages: unknown, context: MiddlewareContext): undefined {
    context.turnData.set(this.#key, this.#now());
    return undefined;
  }

  processResponse(_response: unknown, context: MiddlewareContext): undefined {
    const started = context.turnData.get(this.#key);
    if (typeof started !== 'number') return undefined;
    const duration = this.#now() - started;
    this.#calls += 1;
    this.#total += duration;
    this.#min = Math.min(this.#min, duration);
    this.#max = Math.max(this.#max, duration);
    if (this.#samples.length < this.#sampleSize) this.#samples.push(duration);
    else this.#samples[this.#next] = duration;
    this.#next = (this.#next + 1) % this.#sampleSize;
    context.setNodeMetadata('llmDurationMs', Math.round(duration * 1000) / 1000);
    if (duration > this.#slowThresholdMs) {
      this.#slow += 1;
      this.#logger.warn(`Slow LLM response: ${Math.round(duration)} ms`, {
        conversationId: context.conversationId,
        durationMs: duration,
        thresholdMs: this.#slowThresholdMs,
      });
    }
    return undefined;
  }

  onError(): void {
    this.#errors += 1;
  }

  /** Statistics since creation (or the last `reset`). */
  getStats(): PerformanceStats {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    return {
      calls: this.#calls,
      errors: this.#errors,
      slowCalls: this.#slow,
      averageMs: this.#calls === 0 ? 0 : this.#total / this.#calls,
      minMs: this.#calls === 0 ? 0 : this.#min,
      maxMs: this.#max,
      p50Ms: percentile(sorted, 0.5),
      p95Ms: percentile(sorted, 0.95),
    };
  }

  /** Clears the statistics. */
  reset(): void {
    this.#samples.length = 0;
    this.#next = 0;
    this.#calls = 0;
    this.#errors = 0;
    this.#slow = 0;
    this.#total = 0;
    this.#min = Number.POSITIVE_INFINITY;
    this.#max = 0;
  }
}
