import { useState } from 'react';
import type { ChatMessage, MessageMetadata } from './api.ts';
import { Markdown } from './markdown.tsx';

type Part = ChatMessage['parts'][number];
interface ToolPart {
  readonly type: string;
  readonly toolCallId: string;
  readonly state: string;
  readonly input?: unknown;
  readonly output?: unknown;
  readonly errorText?: string;
  readonly approval?: { readonly id: string; readonly approved?: boolean };
}

const isToolPart = (part: Part): part is Part & ToolPart => part.type.startsWith('tool-');

/** `‹ 2/3 ›`: the versions of a message (edits of a question, regenerated answers). */
function Switcher({
  metadata,
  onSwitch,
  disabled,
}: {
  readonly metadata: MessageMetadata | undefined;
  readonly onSwitch: (nodeId: string) => void;
  readonly disabled: boolean;
}) {
  const siblings = metadata?.siblings;
  if (siblings === undefined || siblings.ids.length < 2) return null;
  const { ids, index } = siblings;
  const go = (offset: number): void => {
    const target = ids[index + offset];
    if (target !== undefined) onSwitch(target);
  };
  return (
    <span className="switcher" role="group" aria-label="Versions">
      <button
        type="button"
        className="icon-button"
        aria-label="Previous version"
        disabled={disabled || index === 0}
        onClick={() => go(-1)}
      >
        ‹
      </button>
      <span className="switcher-count" aria-live="polite">
        {index + 1}/{ids.length}
      </span>
      <button
        type="button"
        className="icon-button"
        aria-label="Next version"
        disabled={disabled || index === ids.length - 1}
        onClick={() => go(1)}
      >
        ›
      </button>
    </span>
  );
}

function formatCost(cost: number | null | undefined): string {
  if (cost === null || cost === undefined) return 'unpriced';
  return cost < 0.01 ? `$${cost.toFixed(6)}` : `$${cost.toFixed(4)}`;
}

/** What the library recorded for a message: model, tokens, latency, cost, RAG hits, node ids. */
function Details({ metadata }: { readonly metadata: MessageMetadata }) {
  const usage = metadata.usage;
  return (
    <dl className="details">
      {metadata.model !== undefined && (
        <>
          <dt>Model</dt>
          <dd>
            {metadata.model} <span className="muted">({metadata.provider})</span>
          </dd>
          <dt>Tokens</dt>
          <dd>
            {usage === null || usage === undefined
              ? 'not reported'
              : `${usage.promptTokens} in · ${usage.completionTokens} out · ${usage.totalTokens} total`}
          </dd>
          <dt>Latency</dt>
          <dd>{metadata.latencyMs === null || metadata.latencyMs === undefined ? '—' : `${metadata.latencyMs} ms`}</dd>
          <dt>Cost</dt>
          <dd>{formatCost(metadata.costUsd)}</dd>
          {(metadata.modelCalls ?? 1) > 1 && (
            <>
              <dt>Model calls</dt>
              <dd>{metadata.modelCalls}</dd>
            </>
          )}
        </>
      )}
      {metadata.rag !== undefined &&
        metadata.rag.map((run, index) => (
          <div key={index} className="rag-run">
            <dt>Retrieved ({run.adapterName})</dt>
            <dd>
              {run.results.length === 0 ? (
                'nothing above the threshold'
              ) : (
                <ol>
                  {run.results.map((result) => (
                    <li key={result.id}>
                      <span className="source">{result.id}</span>{' '}
                      <span className="muted">score {result.score?.toFixed(3)}</span>
                    </li>
                  ))}
                </ol>
              )}
            </dd>
          </div>
        ))}
      <dt>Nodes</dt>
      <dd className="mono">
        {(metadata.nodeIds ?? [metadata.nodeId]).map((id) => (id === '' ? '(root)' : id)).join(' → ')}
      </dd>
      {/* Issue 17 adds OpenTelemetry traces: a turn's trace id in the metadata becomes a link to the studio's trace view. */}
      {metadata.traceId !== undefined && (
        <>
          <dt>Trace</dt>
          <dd>
            <a className="trace-link" href={`/studio/traces/${metadata.traceId}`}>
              View trace
            </a>
          </dd>
        </>
      )}
    </dl>
  );
}

function ToolCall({
  part,
  onApproval,
}: {
  readonly part: ToolPart;
  readonly onApproval: (id: string, approved: boolean) => void;
}) {
  const name = part.type.slice('tool-'.length);
  const states: Record<string, string> = {
    'input-streaming': 'preparing…',
    'input-available': 'running…',
    'approval-requested': 'waits for your approval',
    'approval-responded': part.approval?.approved === false ? 'rejected' : 'approved, running…',
    'output-available': 'done',
    'output-error': 'failed',
    'output-denied': 'rejected',
  };
  return (
    <div className={`tool-call ${part.state}`}>
      <div className="tool-head">
        <span className="tool-name">{name}</span> <span className="tool-state">{states[part.state] ?? part.state}</span>
      </div>
      <pre className="tool-input">{JSON.stringify(part.input ?? {}, null, 1)}</pre>
      {part.state === 'approval-requested' && part.approval !== undefined && (
        <div className="tool-actions">
          <button type="button" className="button primary" onClick={() => onApproval(part.approval!.id, true)}>
            Approve
          </button>
          <button type="button" className="button" onClick={() => onApproval(part.approval!.id, false)}>
            Reject
          </button>
        </div>
      )}
      {part.state === 'output-error' && <p className="tool-error">{part.errorText}</p>}
    </div>
  );
}

/** One message: text (markdown), tool calls, versions switcher, edit, regenerate, details. */
export function MessageView({
  message,
  streaming,
  busy,
  canRegenerate,
  onSwitch,
  onEdit,
  onRegenerate,
  onApproval,
}: {
  readonly message: ChatMessage;
  readonly streaming: boolean;
  readonly busy: boolean;
  readonly canRegenerate: boolean;
  readonly onSwitch: (nodeId: string) => void;
  readonly onEdit: (text: string) => void;
  readonly onRegenerate: () => void;
  readonly onApproval: (id: string, approved: boolean) => void;
}) {
  const [editing, setEditing] = useState<string | undefined>(undefined);
  const [showDetails, setShowDetails] = useState(false);
  const metadata = message.metadata;
  const text = message.parts.map((part) => (part.type === 'text' ? part.text : '')).join('');
  const user = message.role === 'user';
  const label = user ? 'You' : 'Assistant';

  if (editing !== undefined)
    return (
      <article className="message user editing" aria-label="Edit your message">
        <form
          className="edit-form"
          onSubmit={(event) => {
            event.preventDefault();
            const value = editing.trim();
            if (value === '') return;
            setEditing(undefined);
            onEdit(value);
          }}
        >
          <label htmlFor={`edit-${message.id}`} className="visually-hidden">
            Edited message
          </label>
          <textarea
            id={`edit-${message.id}`}
            value={editing}
            autoFocus
            rows={Math.min(8, editing.split('\n').length + 1)}
            onChange={(event) => setEditing(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setEditing(undefined);
              if (event.key === 'Enter' && !event.shiftKey) {
                event.preventDefault();
                event.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <div className="edit-actions">
            <button type="button" className="button" onClick={() => setEditing(undefined)}>
              Cancel
            </button>
            <button type="submit" className="button primary">
              Save and send
            </button>
          </div>
        </form>
      </article>
    );

  return (
    <article
      className={`message ${message.role}${metadata?.interrupted === true ? ' interrupted' : ''}`}
      aria-label={label}
    >
      <div className="bubble">
        {user ? (
          <p className="user-text">{text}</p>
        ) : (
          message.parts.map((part, index) =>
            part.type === 'text' ? (
              <Markdown key={index} text={part.text} />
            ) : isToolPart(part) ? (
              <ToolCall key={part.toolCallId} part={part} onApproval={onApproval} />
            ) : null,
          )
        )}
        {streaming && <span className="cursor" aria-hidden="true" />}
        {metadata?.interrupted === true && <p className="badge">stopped — the text so far is kept</p>}
      </div>
      <div className="message-actions">
        <Switcher metadata={metadata} onSwitch={onSwitch} disabled={busy} />
        {user && !busy && (
          <button type="button" className="link-button" onClick={() => setEditing(text)}>
            Edit
          </button>
        )}
        {canRegenerate && (
          <button type="button" className="link-button" onClick={onRegenerate}>
            Regenerate
          </button>
        )}
        {metadata !== undefined && !streaming && (
          <button
            type="button"
            className="link-button"
            aria-expanded={showDetails}
            onClick={() => setShowDetails((shown) => !shown)}
          >
            Details
          </button>
        )}
      </div>
      {showDetails && metadata !== undefined && <Details metadata={metadata} />}
    </article>
  );
}
