import { context, SpanStatusCode, trace } from '@opentelemetry/api';

/** What a finished search reports to its span. */
interface TracedSearch {
  readonly config: { readonly adapterName: string; readonly k: number; readonly placeholder: string };
  readonly cacheHit: boolean;
  readonly results: readonly unknown[];
  readonly retrieved: readonly unknown[];
  readonly status: string;
}

/**
 * Runs one RAG search in a `retrieval {adapter}` span (GenAI conventions: `gen_ai.operation.name`
 * `retrieval`, `gen_ai.data_source.id` the adapter, `gen_ai.request.top_k`), child of the active
 * span (the prompt render of a conversation). Records hits, cache hit and status; never the
 * query or the retrieved text. A no-op until the application registers an OpenTelemetry SDK.
 */
export async function traceRagSearch<T extends TracedSearch>(search: () => Promise<T>): Promise<T> {
  const tracer = trace.getTracer('@dk/rag');
  const span = tracer.startSpan('retrieval', { attributes: { 'gen_ai.operation.name': 'retrieval' } });
  if (!span.isRecording()) {
    span.end();
    return search();
  }
  try {
    const searched = await context.with(trace.setSpan(context.active(), span), search);
    const { config } = searched;
    span.updateName(`retrieval ${config.adapterName}`);
    span.setAttributes({
      'gen_ai.data_source.id': config.adapterName,
      'gen_ai.request.top_k': config.k,
      'dk.rag.placeholder': config.placeholder,
      'dk.rag.hits': searched.results.length,
      'dk.rag.retrieved': searched.retrieved.length,
      'dk.rag.cache_hit': searched.cacheHit,
      'dk.rag.status': searched.status,
    });
    if (searched.status === 'failed') {
      span.setAttribute('error.type', 'RAG_SEARCH_FAILED');
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'RAG_SEARCH_FAILED' });
    }
    return searched;
  } catch (error) {
    const adapterName = (error as { adapterName?: unknown }).adapterName;
    if (typeof adapterName === 'string') {
      span.updateName(`retrieval ${adapterName}`);
      span.setAttribute('gen_ai.data_source.id', adapterName);
    }
    const code = (error as { code?: unknown }).code;
    const type = typeof code === 'string' ? code : error instanceof Error ? error.name : typeof error;
    span.setAttribute('error.type', type);
    span.setStatus({ code: SpanStatusCode.ERROR, message: type });
    throw error;
  } finally {
    span.end();
  }
}
