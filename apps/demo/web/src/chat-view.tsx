import { useChat } from '@ai-sdk/react';
import { DefaultChatTransport, lastAssistantMessageIsCompleteWithApprovalResponses } from 'ai';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { api, ApiError, errorMessage } from './api.ts';
import type { ChatMessage } from './api.ts';
import { Composer } from './composer.tsx';
import { MessageView } from './message-view.tsx';
import { navigate } from './router.ts';
import { TreeDrawer } from './tree-drawer.tsx';

/** Messages typed on the empty page, sent once their new conversation is open. */
const firstMessages = new Map<string, string>();

/** The chat page: a landing composer, or a loaded conversation. */
export function ChatView({
  conversationId,
  onChanged,
}: {
  readonly conversationId: string | null;
  readonly onChanged: () => void;
}) {
  const [initial, setInitial] = useState<ChatMessage[] | undefined>(undefined);
  const [failure, setFailure] = useState<string | undefined>(undefined);
  const [draft, setDraft] = useState('');

  useEffect(() => {
    if (conversationId === null) return;
    let cancelled = false;
    api.messages(conversationId).then(
      (path) => !cancelled && setInitial(path.messages),
      (error: unknown) =>
        !cancelled && setFailure(error instanceof ApiError ? error.message : 'The conversation could not be loaded.'),
    );
    return () => {
      cancelled = true;
    };
  }, [conversationId]);

  if (conversationId === null) {
    const start = async (text: string): Promise<void> => {
      try {
        const created = await api.create();
        firstMessages.set(created.id, text);
        onChanged();
        navigate(`/c/${created.id}`);
      } catch (error) {
        setFailure(error instanceof ApiError ? error.message : 'The conversation could not be created.');
        setDraft(text);
      }
    };
    return (
      <div className="chat">
        <div className="messages empty">
          <div className="welcome">
            <h2>Ask about dk</h2>
            <p>
              Answers come from the configured model with the bundled docs as context. Try <code>search: branches</code>{' '}
              or <code>note: remember the milk</code> (a tool that asks for your approval).
            </p>
          </div>
        </div>
        {failure !== undefined && <ErrorBanner message={failure} />}
        <Composer
          draft={draft}
          onDraft={setDraft}
          busy={false}
          onSend={(text) => void start(text)}
          onStop={() => undefined}
          autoFocus
        />
      </div>
    );
  }
  if (failure !== undefined)
    return (
      <div className="chat">
        <ErrorBanner message={failure} action={{ label: 'Start a new chat', run: () => navigate('/') }} />
      </div>
    );
  if (initial === undefined)
    return (
      <div className="chat">
        <p className="loading" role="status">
          Loading the conversation…
        </p>
      </div>
    );
  return <Conversation conversationId={conversationId} initial={initial} onChanged={onChanged} />;
}

function ErrorBanner({
  message,
  action,
}: {
  readonly message: string;
  readonly action?: { label: string; run: () => void };
}) {
  return (
    <div className="error-banner" role="alert">
      <span>{message}</span>
      {action !== undefined && (
        <button type="button" className="button" onClick={action.run}>
          {action.label}
        </button>
      )}
    </div>
  );
}

function Conversation({
  conversationId,
  initial,
  onChanged,
}: {
  readonly conversationId: string;
  readonly initial: ChatMessage[];
  readonly onChanged: () => void;
}) {
  const [draft, setDraft] = useState('');
  const [treeOpen, setTreeOpen] = useState(false);
  const [treeVersion, setTreeVersion] = useState(0);
  const [notice, setNotice] = useState<string | undefined>(undefined);
  const lastSent = useRef<string | undefined>(undefined);
  const transport = useMemo(() => new DefaultChatTransport<ChatMessage>({ api: '/api/chat' }), []);

  const { messages, setMessages, sendMessage, regenerate, stop, status, error, clearError, addToolApprovalResponse } =
    useChat<ChatMessage>({
      id: conversationId,
      messages: initial,
      transport,
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithApprovalResponses,
    });

  /** Takes the stored path (node ids, versions, figures) after every turn. */
  const refresh = useCallback(async () => {
    try {
      const path = await api.messages(conversationId);
      setMessages(path.messages);
      setTreeVersion((version) => version + 1);
      onChanged();
      return path;
    } catch {
      return undefined;
    }
  }, [conversationId, onChanged, setMessages]);

  const busy = status === 'submitted' || status === 'streaming';
  const wasBusy = useRef(false);
  useEffect(() => {
    if (wasBusy.current && !busy) {
      void refresh().then((path) => {
        // A refused message was not stored: give the text back to edit and resend.
        const sent = lastSent.current;
        lastSent.current = undefined;
        if (error !== undefined && sent !== undefined && path !== undefined) {
          const last = path.messages.at(-1);
          const stored = last?.role === 'user' && last.parts.some((part) => part.type === 'text' && part.text === sent);
          if (!stored) setDraft((current) => (current === '' ? sent : current));
        }
      });
    }
    wasBusy.current = busy;
  }, [busy, error, refresh]);

  const send = (text: string): void => {
    clearError();
    setNotice(undefined);
    lastSent.current = text;
    void sendMessage({ text });
  };

  useEffect(() => {
    // The first message typed on the empty page, sent once the conversation is open. Deferred
    // so that a mount/unmount/mount cycle (React's StrictMode) sends it once.
    const first = firstMessages.get(conversationId);
    if (first === undefined) return;
    const timer = setTimeout(() => {
      firstMessages.delete(conversationId);
      send(first);
    }, 0);
    return () => clearTimeout(timer);
  }, []);

  const switchTo = async (nodeId: string): Promise<void> => {
    try {
      const path = await api.switchTo(conversationId, nodeId);
      setMessages(path.messages);
      setTreeVersion((version) => version + 1);
    } catch (failure) {
      setNotice(failure instanceof ApiError ? failure.message : 'Could not switch.');
    }
  };

  const lastAssistant = messages.findLast((message) => message.role === 'assistant');
  const unanswered = messages.at(-1)?.role === 'user';
  const errorText = error === undefined ? undefined : errorMessage(error.message);

  return (
    <div className="chat">
      <div className="chat-tools">
        <button
          type="button"
          className="button"
          aria-expanded={treeOpen}
          aria-controls="tree-drawer"
          onClick={() => setTreeOpen((open) => !open)}
        >
          {treeOpen ? 'Hide tree' : 'Tree'}
        </button>
      </div>
      <div className="messages" aria-live="polite" aria-busy={busy}>
        {messages.map((message, index) => (
          <MessageView
            key={message.id}
            message={message}
            streaming={busy && index === messages.length - 1 && message.role === 'assistant'}
            busy={busy}
            canRegenerate={!busy && message.id === lastAssistant?.id}
            onSwitch={(nodeId) => void switchTo(nodeId)}
            onEdit={(text) => {
              clearError();
              lastSent.current = text;
              void sendMessage({ text, messageId: message.id });
            }}
            onRegenerate={() => {
              clearError();
              void regenerate({ messageId: message.id });
            }}
            onApproval={(id, approved) => void addToolApprovalResponse({ id, approved })}
          />
        ))}
        {status === 'submitted' && (
          <p className="thinking" role="status">
            Thinking…
          </p>
        )}
      </div>
      {errorText !== undefined && (
        <ErrorBanner
          message={errorText}
          action={
            unanswered
              ? {
                  label: 'Retry',
                  run: () => {
                    clearError();
                    void regenerate();
                  },
                }
              : undefined
          }
        />
      )}
      {notice !== undefined && <ErrorBanner message={notice} />}
      <Composer draft={draft} onDraft={setDraft} busy={busy} onSend={send} onStop={() => void stop()} autoFocus />
      <TreeDrawer
        open={treeOpen}
        conversationId={conversationId}
        version={treeVersion}
        onClose={() => setTreeOpen(false)}
        onSelect={(nodeId) => void switchTo(nodeId)}
      />
    </div>
  );
}
