import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../config/demo-config.js';
import { OtlpJsonTraceExporter } from './otlp-json-exporter.js';
import { TraceStore } from './trace-store.js';

/** The demo's OpenTelemetry setup, registered globally (the demo is the composition root). */
export interface DemoTelemetry {
  /** The recent traces, for the studio. */
  readonly traces: TraceStore;
  /** Sends what the exporters still hold. */
  forceFlush(): Promise<void>;
  /** Flushes, stops the exporters and unregisters the tracer provider. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider and an async context manager: spans go to the in-process
 * {@link TraceStore} (the studio's trace view) and to the configured exporter — none, the
 * console, or OTLP over HTTP (JSON) to `otlpUrl`, batched.
 */
export function startTelemetry(config: TelemetryConfig): DemoTelemetry {
  const traces = new TraceStore(config.traceStoreSize);
  const processors: SpanProcessor[] = [new SimpleSpanProcessor(traces)];
  if (config.exporter === 'console') processors.push(new BatchSpanProcessor(new ConsoleSpanExporter()));
  if (config.exporter === 'otlp')
    processors.push(new BatchSpanProcessor(new OtlpJsonTraceExporter({ url: config.otlpUrl })));
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: processors,
  });
  // One demo app per process: replace whatever an earlier one registered.
  trace.disable();
  context.disable();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  let stopped: Promise<void> | undefined;
  return {
    traces,
    forceFlush: () => provider.forceFlush(),
    shutdown() {
      stopped ??= provider.shutdown().finally(() => {
        trace.disable();
        context.disable();
      });
      return stopped;
    },
  };
}
