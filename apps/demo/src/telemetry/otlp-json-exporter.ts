import { ExportResultCode } from '@opentelemetry/core';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';

type AnyValue =
  | { readonly stringValue: string }
  | { readonly boolValue: boolean }
  | { readonly intValue: string }
  | { readonly doubleValue: number }
  | { readonly arrayValue: { readonly values: AnyValue[] } };

function anyValue(value: unknown): AnyValue {
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(anyValue) } };
  return { stringValue: String(value) };
}

function keyValues(attributes: Readonly<Record<string, unknown>>): { key: string; value: AnyValue }[] {
  return Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ key, value: anyValue(value) }));
}

function nanos(time: readonly [number, number]): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

/** One OTLP `ResourceSpans` list (OTLP/HTTP JSON encoding: hex ids, nanosecond strings). */
function encode(spans: readonly ReadableSpan[]): unknown {
  const byResource = new Map<ReadableSpan['resource'], Map<string, ReadableSpan[]>>();
  for (const span of spans) {
    const scopes = byResource.get(span.resource) ?? new Map<string, ReadableSpan[]>();
    byResource.set(span.resource, scopes);
    const scope = span.instrumentationScope.name;
    scopes.set(scope, [...(scopes.get(scope) ?? []), span]);
  }
  return {
    resourceSpans: [...byResource].map(([resource, scopes]) => ({
      resource: { attributes: keyValues(resource.attributes) },
      scopeSpans: [...scopes].map(([scope, scopeSpans]) => ({
        scope: { name: scope },
        spans: scopeSpans.map((span) => ({
          traceId: span.spanContext().traceId,
          spanId: span.spanContext().spanId,
          ...(span.parentSpanContext === undefined ? {} : { parentSpanId: span.parentSpanContext.spanId }),
          name: span.name,
          // OTLP numbers kinds from 1 (INTERNAL); the API from 0.
          kind: span.kind + 1,
          startTimeUnixNano: nanos(span.startTime),
          endTimeUnixNano: nanos(span.endTime),
          attributes: keyValues(span.attributes),
          events: span.events.map((event) => ({
            timeUnixNano: nanos(event.time),
            name: event.name,
            attributes: keyValues(event.attributes ?? {}),
          })),
          links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
          status: {
            code: span.status.code,
            ...(span.status.message === undefined ? {} : { message: span.status.message }),
          },
        })),
      })),
    })),
  };
}

/**
 * Sends spans to an OpenTelemetry collector with OTLP over HTTP, JSON encoding (`POST
 * {url}` with `content-type: application/json`; collectors accept it on `/v1/traces`). The
 * demo's own exporter: the SDK's OTLP exporters ship ES module builds that the workspace test
 * runner cannot load. Failures are reported to the span processor, never thrown.
 */
export class OtlpJsonTraceExporter implements SpanExporter {
  readonly #url: string;
  readonly #fetch: typeof fetch;
  readonly #pending = new Set<Promise<void>>();

  constructor({ url, fetch: fetchImpl = fetch }: { readonly url: string; readonly fetch?: typeof fetch }) {
    this.#url = url;
    this.#fetch = fetchImpl;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    const sent = this.#fetch(this.#url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(encode(spans)),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`the collector at ${this.#url} answered HTTP ${response.status}`);
        resultCallback({ code: ExportResultCode.SUCCESS });
      })
      .catch((error: unknown) =>
        resultCallback({
          code: ExportResultCode.FAILED,
          error: error instanceof Error ? error : new Error(String(error)),
        }),
      )
      .finally(() => this.#pending.delete(sent));
    this.#pending.add(sent);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
  }
}
