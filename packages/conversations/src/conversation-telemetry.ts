import { context, INVALID_SPAN_CONTEXT, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type {
  Attributes,
  Context,
  Histogram,
  Link,
  MeterProvider,
  Span,
  SpanContext,
  SpanOptions,
  Tracer,
  TracerProvider,
} from '@opentelemetry/api';
import { redactValue } from './redact-secrets.js';

const instrumentationName = '@dk/conversations';

/**
 * Tracing and metrics of a {@link ConversationManager}, through `@opentelemetry/api`: spans and
 * histograms are no-ops until the application registers an OpenTelemetry SDK (or passes a
 * provider here). Names follow the OpenTelemetry GenAI semantic conventions.
 */
export interface ConversationTelemetryOptions {
  /**
   * Record message content on spans: prompts and answers (`gen_ai.input.messages`,
   * `gen_ai.output.messages`), tool arguments and results, rendered prompts (retrieved text
   * included). Default `false`: spans carry ids, models, token counts and timings only.
   * Recorded content is redacted like logs (`defaultSecretPatterns` plus `secretPatterns`).
   */
  readonly recordContent?: boolean;
  /** Patterns redacted from recorded content, besides `defaultSecretPatterns`. */
  readonly secretPatterns?: readonly RegExp[];
  /** Where spans go. Default: the globally registered provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider;
  /** Where the `gen_ai.client.*` histograms go. Default: the globally registered provider. */
  readonly meterProvider?: MeterProvider;
  /** `gen_ai.agent.name` of the turn span (`invoke_agent {name}`). Default `dk.conversation`. */
  readonly agentName?: string;
  /** `false` turns spans and metrics off for this manager. Default `true`. */
  readonly enabled?: boolean;
}

/** The span of a node's creation, as kept in `metadata.trace`. */
export interface NodeTraceReference {
  readonly traceId: string;
  readonly spanId: string;
}

/** Bucket boundaries the GenAI conventions give for `gen_ai.client.token.usage`. */
const tokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
/** Bucket boundaries (seconds) the GenAI conventions give for `gen_ai.client.operation.duration`. */
const durationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];

interface ClientInstruments {
  readonly tokenUsage: Histogram;
  readonly duration: Histogram;
}

const instrumentsByProvider = new WeakMap<MeterProvider, ClientInstruments>();

function clientInstruments(provider: MeterProvider): ClientInstruments {
  let instruments = instrumentsByProvider.get(provider);
  if (instruments === undefined) {
    const meter = provider.getMeter(instrumentationName);
    instruments = {
      tokenUsage: meter.createHistogram('gen_ai.client.token.usage', {
        description: 'Number of input and output tokens used.',
        unit: '{token}',
        advice: { explicitBucketBoundaries: tokenBuckets },
      }),
      duration: meter.createHistogram('gen_ai.client.operation.duration', {
        description: 'GenAI operation duration.',
        unit: 's',
        advice: { explicitBucketBoundaries: durationBuckets },
      }),
    };
    instrumentsByProvider.set(provider, instruments);
  }
  return instruments;
}

/** The stable type of an error for `error.type`: its `code`, else its `name`. Never its message. */
function errorType(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' && code !== '' ? code : error.name;
  }
  return typeof error;
}

/** What one model call reports to the `gen_ai.client.*` histograms. */
interface ModelCallMeasurement {
  readonly operation: string;
  readonly provider: string;
  readonly requestModel: string;
  readonly responseModel?: string | undefined;
  readonly durationMs: number;
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
  readonly error?: unknown;
}

/**
 * The telemetry of one manager: its tracer, its instruments and its content policy. Spans are
 * parented explicitly (so a turn's tree holds without a context manager); calls into other
 * packages run inside the span's context, so their spans (RAG searches, provider retries,
 * vendor SDKs, HTTP) nest when the application registered one.
 */
export class ConversationTelemetry {
  readonly enabled: boolean;
  readonly recordContent: boolean;
  readonly agentName: string;
  readonly #tracer: Tracer;
  readonly #meterProvider: MeterProvider | undefined;
  readonly #secretPatterns: readonly RegExp[];

  constructor(options: ConversationTelemetryOptions = {}) {
    this.enabled = options.enabled !== false;
    this.recordContent = options.recordContent === true;
    this.agentName = options.agentName ?? 'dk.conversation';
    this.#secretPatterns = options.secretPatterns ?? [];
    this.#tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(instrumentationName);
    this.#meterProvider = options.meterProvider;
  }

  /** Starts a span under `parent` (default: the active context); returns it with its context. */
  start(
    name: string,
    attributes: Attributes,
    parent: Context | undefined,
    options: { readonly kind?: SpanKind; readonly links?: Link[] } = {},
  ): { readonly span: Span; readonly context: Context } {
    const parentContext = parent ?? context.active();
    if (!this.enabled) {
      return { span: trace.wrapSpanContext(INVALID_SPAN_CONTEXT), context: parentContext };
    }
    const spanOptions: SpanOptions = { kind: options.kind ?? SpanKind.INTERNAL, attributes };
    if (options.links !== undefined) spanOptions.links = options.links;
    const span = this.#tracer.startSpan(name, spanOptions, parentContext);
    return { span, context: trace.setSpan(parentContext, span) };
  }

  /** Ends `span`; with an error, status ERROR and `error.type` (the message only when content is recorded, redacted). */
  end(span: Span, error?: unknown): void {
    if (error !== undefined && span.isRecording()) {
      const type = errorType(error);
      span.setAttribute('error.type', type);
      const message = this.recordContent && error instanceof Error ? this.redact(error.message) : type;
      span.setStatus({ code: SpanStatusCode.ERROR, message: typeof message === 'string' ? message : type });
    }
    span.end();
  }

  /** Sets a content attribute (JSON for objects), redacted, when content recording is on and the span records. */
  setContent(span: Span, key: string, value: unknown): void {
    if (!this.recordContent || !span.isRecording() || value === undefined) return;
    const redacted = this.redact(value);
    span.setAttribute(key, typeof redacted === 'string' ? redacted : safeJson(redacted));
  }

  /** A copy of `value` with every string redacted by the default and configured secret patterns. */
  redact(value: unknown): unknown {
    return redactValue(value, this.#secretPatterns);
  }

  /** Records one model call in `gen_ai.client.operation.duration` and `gen_ai.client.token.usage`. */
  measureModelCall(measurement: ModelCallMeasurement): void {
    if (!this.enabled) return;
    const instruments = clientInstruments(this.#meterProvider ?? metrics.getMeterProvider());
    // One attribute object per record, built once each (the SDK hashes each set it is given).
    const errorName = measurement.error === undefined ? undefined : errorType(measurement.error);
    instruments.duration.record(measurement.durationMs / 1000, measurementAttributes(measurement, errorName));
    if (measurement.inputTokens !== undefined) {
      const attributes = measurementAttributes(measurement, errorName);
      attributes['gen_ai.token.type'] = 'input';
      instruments.tokenUsage.record(measurement.inputTokens, attributes);
    }
    if (measurement.outputTokens !== undefined) {
      const attributes = measurementAttributes(measurement, errorName);
      attributes['gen_ai.token.type'] = 'output';
      instruments.tokenUsage.record(measurement.outputTokens, attributes);
    }
  }
}

/** The attributes the conventions give a `gen_ai.client.*` measurement of one call. */
function measurementAttributes(measurement: ModelCallMeasurement, errorName: string | undefined): Attributes {
  const attributes: Attributes = {
    'gen_ai.operation.name': measurement.operation,
    'gen_ai.provider.name': measurement.provider,
    'gen_ai.request.model': measurement.requestModel,
  };
  if (measurement.responseModel !== undefined) attributes['gen_ai.response.model'] = measurement.responseModel;
  if (errorName !== undefined) attributes['error.type'] = errorName;
  return attributes;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** The reference a node keeps to the span it was created in, when that span is sampled. */
export function nodeTraceReference(parent: Context | undefined): NodeTraceReference | undefined {
  const spanContext = parent === undefined ? undefined : trace.getSpanContext(parent);
  if (spanContext === undefined || !trace.isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** A link to the span a node was created in (its `metadata.trace`), for the span that answers it. */
export function linkToNode(metadata: Readonly<Record<string, unknown>> | undefined): Link[] | undefined {
  const reference = metadata?.['trace'];
  if (typeof reference !== 'object' || reference === null) return undefined;
  const { traceId, spanId } = reference as Partial<NodeTraceReference>;
  if (typeof traceId !== 'string' || typeof spanId !== 'string') return undefined;
  const spanContext: SpanContext = { traceId, spanId, traceFlags: 1, isRemote: true };
  return trace.isSpanContextValid(spanContext) ? [{ context: spanContext }] : undefined;
}

/** Iterates `iterable` with every `next()` run inside `spanContext`, so work the iterator does nests under it. */
export async function* iterateInContext<T, R>(
  spanContext: Context,
  iterable: AsyncIterable<T, R>,
): AsyncGenerator<T, R | undefined> {
  const iterator = iterable[Symbol.asyncIterator]();
  let done = false;
  try {
    for (;;) {
      const next = await context.with(spanContext, () => iterator.next());
      if (next.done === true) {
        done = true;
        return next.value;
      }
      yield next.value;
    }
  } finally {
    if (!done) await context.with(spanContext, () => iterator.return?.());
  }
}
