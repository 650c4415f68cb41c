import { useEffect, useRef } from 'react';

/** The message box: Enter sends, Shift+Enter is a new line; Stop while an answer streams. */
export function Composer({
  draft,
  onDraft,
  busy,
  onSend,
  onStop,
  autoFocus = false,
}: {
  readonly draft: string;
  readonly onDraft: (text: string) => void;
  readonly busy: boolean;
  readonly onSend: (text: string) => void;
  readonly onStop: () => void;
  readonly autoFocus?: boolean;
}) {
  const box = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (autoFocus) box.current?.focus();
  }, [autoFocus]);
  useEffect(() => {
    const element = box.current;
    if (element === null) return;
    element.style.height = 'auto';
    element.style.height = `${Math.min(element.scrollHeight, 240)}px`;
  }, [draft]);
  const submit = (): void => {
    const text = draft.trim();
    if (text === '' || busy) return;
    onDraft('');
    onSend(text);
  };
  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      <label htmlFor="composer-input" className="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={box}
        rows={1}
        value={draft}
        placeholder="Message dk…"
        aria-describedby="composer-hint"
        onChange={(event) => onDraft(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
            event.preventDefault();
            submit();
          }
        }}
      />
      <span id="composer-hint" className="visually-hidden">
        Enter sends, Shift+Enter starts a new line.
      </span>
      {busy ? (
        <button type="button" className="button stop" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="button primary" disabled={draft.trim() === ''}>
          Send
        </button>
      )}
    </form>
  );
}
