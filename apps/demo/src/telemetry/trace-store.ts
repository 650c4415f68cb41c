import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

/** One span as the studio shows it: times in milliseconds since the epoch. */
interface StoredSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string | undefined;
  readonly name: string;
  readonly kind: number;
  readonly startMs: number;
  readonly durationMs: number;
  readonly status: { readonly code: number; readonly message?: string };
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly events: readonly {
    readonly name: string;
    readonly timeMs: number;
    readonly attributes: Record<string, unknown>;
  }[];
}

function toMs(time: readonly [number, number]): number {
  return time[0] * 1000 + time[1] / 1e6;
}

/**
 * An in-process span exporter that keeps the most recent `maxTraces` traces, for the studio's
 * trace view. Spans arrive as they end (behind a SimpleSpanProcessor), so a turn's trace is
 * complete when the turn returns.
 */
export class TraceStore implements SpanExporter {
  readonly #traces = new Map<string, StoredSpan[]>();
  readonly #maxTraces: number;

  constructor(maxTraces: number) {
    this.#maxTraces = maxTraces;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const span of spans) this.#add(span);
    resultCallback({ code: ExportResultCode.SUCCESS });
  }

  #add(span: ReadableSpan): void {
    if (this.#maxTraces === 0) return;
    const context = span.spanContext();
    let trace = this.#traces.get(context.traceId);
    if (trace === undefined) {
      trace = [];
      this.#traces.set(context.traceId, trace);
      // Maps iterate in insertion order: the first key is the oldest trace.
      if (this.#traces.size > this.#maxTraces) this.#traces.delete(this.#traces.keys().next().value!);
    }
    trace.push({
      traceId: context.traceId,
      spanId: context.spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      name: span.name,
      kind: span.kind,
      startMs: toMs(span.startTime),
      durationMs: toMs(span.duration),
      status: span.status,
      attributes: { ...span.attributes },
      events: span.events.map((event) => ({
        name: event.name,
        timeMs: toMs(event.time),
        attributes: { ...event.attributes },
      })),
    });
  }

  /** The spans of a trace, in start order; empty when it is unknown or was dropped. */
  getTrace(traceId: string): readonly StoredSpan[] {
    return [...(this.#traces.get(traceId) ?? [])].sort((left, right) => left.startMs - right.startMs);
  }

  /** Number of traces kept. */
  get size(): number {
    return this.#traces.size;
  }

  async shutdown(): Promise<void> {
    this.#traces.clear();
  }

  async forceFlush(): Promise<void> {}
}
