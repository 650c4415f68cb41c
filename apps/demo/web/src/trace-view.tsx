import { useEffect, useState } from 'react';
import { api, ApiError } from './api.ts';
import type { TraceSpan, TraceView } from './api.ts';

/** Attributes shown under a span's bar, when present. */
const shownAttributes = [
  'gen_ai.request.model',
  'gen_ai.response.model',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.response.finish_reasons',
  'gen_ai.tool.call.id',
  'gen_ai.data_source.id',
  'dk.rag.hits',
  'dk.rag.cache_hit',
  'dk.node.id',
  'dk.turn.status',
  'error.type',
];

interface Row {
  readonly span: TraceSpan;
  readonly depth: number;
}

/** The spans in tree order (children after their parent, by start time), with their depth. */
function rows(spans: readonly TraceSpan[]): Row[] {
  const ids = new Set(spans.map((span) => span.spanId));
  const children = new Map<string | undefined, TraceSpan[]>();
  for (const span of spans) {
    // A span whose parent is not in this trace's store (an upstream service) is shown as a root.
    const parent = span.parentSpanId !== undefined && ids.has(span.parentSpanId) ? span.parentSpanId : undefined;
    children.set(parent, [...(children.get(parent) ?? []), span]);
  }
  const result: Row[] = [];
  const walk = (parent: string | undefined, depth: number): void => {
    for (const span of [...(children.get(parent) ?? [])].sort((left, right) => left.startMs - right.startMs)) {
      result.push({ span, depth });
      walk(span.spanId, depth + 1);
    }
  };
  walk(undefined, 0);
  return result;
}

function formatMs(ms: number): string {
  return ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(ms >= 10 ? 1 : 2)} ms`;
}

/** The waterfall of one trace (a turn): a bar per span, placed and sized by its time, indented by nesting. */
export function TraceWaterfall({ traceId }: { readonly traceId: string }) {
  const [trace, setTrace] = useState<TraceView | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    api.studio.trace(traceId).then(
      (view) => live && setTrace(view),
      (failure: unknown) => live && setError(failure instanceof ApiError ? failure.message : String(failure)),
    );
    return () => {
      live = false;
    };
  }, [traceId]);

  if (error !== undefined)
    return (
      <p className="error-banner" role="alert">
        {error}
      </p>
    );
  if (trace === undefined) return <p className="muted">Loading trace…</p>;
  const start = Math.min(...trace.spans.map((span) => span.startMs));
  const end = Math.max(...trace.spans.map((span) => span.startMs + span.durationMs));
  const total = Math.max(end - start, 0.001);
  return (
    <section className="trace-view" aria-label="Trace waterfall">
      <p className="muted mono">
        trace {trace.traceId} · {trace.spans.length} spans · {formatMs(total)}
      </p>
      <ol className="waterfall">
        {rows(trace.spans).map(({ span, depth }) => {
          const shown = shownAttributes.filter((name) => span.attributes[name] !== undefined);
          return (
            <li key={span.spanId} className={`span-row${span.status.code === 2 ? ' span-error' : ''}`}>
              <div className="span-label" style={{ paddingLeft: `${depth * 14}px` }}>
                <span className="span-name">{span.name}</span>
                <span className="muted"> {formatMs(span.durationMs)}</span>
              </div>
              <div className="span-track" aria-hidden="true">
                <div
                  className="span-bar"
                  style={{
                    left: `${((span.startMs - start) / total) * 100}%`,
                    width: `max(2px, ${(span.durationMs / total) * 100}%)`,
                  }}
                />
              </div>
              {(shown.length > 0 || span.events.length > 0) && (
                <div className="span-attributes mono" style={{ paddingLeft: `${depth * 14}px` }}>
                  {shown.map((name) => `${name}=${JSON.stringify(span.attributes[name])}`).join(' · ')}
                  {span.events.length > 0 && ` · events: ${span.events.map((event) => event.name).join(', ')}`}
                </div>
              )}
            </li>
          );
        })}
      </ol>
    </section>
  );
}
