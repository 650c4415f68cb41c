import { useCallback, useEffect, useState } from 'react';
import { api } from './api.ts';
import type { ConversationSummary } from './api.ts';
import { ChatView } from './chat-view.tsx';
import { navigate, useRoute } from './router.ts';
import { Studio } from './studio.tsx';
import { TraceWaterfall } from './trace-view.tsx';

type Theme = 'light' | 'dark';

function initialTheme(): Theme {
  const saved = localStorage.getItem('dk-theme');
  if (saved === 'light' || saved === 'dark') return saved;
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** The shell: conversation list, header (menu, studio, theme), and the page. */
export function App() {
  const route = useRoute();
  const [theme, setTheme] = useState<Theme>(initialTheme);
  const [conversations, setConversations] = useState<readonly ConversationSummary[]>([]);
  const [menuOpen, setMenuOpen] = useState(false);
  const [health, setHealth] = useState<string>('…');

  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
    localStorage.setItem('dk-theme', theme);
  }, [theme]);

  const refreshList = useCallback(() => {
    api.conversations().then(
      (result) => setConversations(result.conversations),
      () => undefined,
    );
  }, []);
  useEffect(() => {
    refreshList();
    api.health().then(
      (result) => setHealth(result.status),
      () => setHealth('down'),
    );
  }, [refreshList]);
  useEffect(() => setMenuOpen(false), [route]);
  // Keyboard: the opened menu takes the focus, Escape closes it.
  useEffect(() => {
    if (!menuOpen) return;
    document.querySelector<HTMLElement>('.sidebar .button.primary')?.focus();
    const close = (event: KeyboardEvent): void => {
      if (event.key === 'Escape') setMenuOpen(false);
    };
    window.addEventListener('keydown', close);
    return () => window.removeEventListener('keydown', close);
  }, [menuOpen]);

  const current = route.page === 'chat' ? route.conversationId : null;
  const newChat = (): void => navigate('/');

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to the conversation
      </a>
      <aside className={`sidebar${menuOpen ? ' open' : ''}`} aria-label="Conversations">
        <div className="sidebar-head">
          <span className="brand">dk</span>
          <button type="button" className="button primary" onClick={newChat}>
            New chat
          </button>
        </div>
        <nav aria-label="Recent conversations">
          <ul className="conversation-list">
            {conversations.map((item) => (
              <li key={item.id}>
                <a
                  href={`/c/${item.id}`}
                  aria-current={item.id === current ? 'page' : undefined}
                  onClick={(event) => {
                    event.preventDefault();
                    navigate(`/c/${item.id}`);
                  }}
                >
                  {item.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="sidebar-foot">
          <a
            href="/studio"
            aria-current={route.page === 'studio' || route.page === 'trace' ? 'page' : undefined}
            onClick={(event) => {
              event.preventDefault();
              navigate('/studio');
            }}
          >
            Prompt studio
          </a>
          <span className={`health ${health}`} role="status">
            server: {health}
          </span>
        </div>
      </aside>
      {menuOpen && <div className="scrim" onClick={() => setMenuOpen(false)} aria-hidden="true" />}
      <div className="page">
        <header className="topbar">
          <button
            type="button"
            className="icon-button menu-button"
            aria-label="Conversations"
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen((open) => !open)}
          >
            ☰
          </button>
          <h1 className="title">
            {route.page === 'studio'
              ? 'Prompt studio'
              : route.page === 'trace'
                ? 'Trace'
                : (conversations.find((item) => item.id === current)?.title ?? 'New chat')}
          </h1>
          <button
            type="button"
            className="icon-button"
            aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
            onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
          >
            {theme === 'dark' ? '☀' : '☾'}
          </button>
        </header>
        <main id="main" tabIndex={-1}>
          {route.page === 'studio' ? (
            <Studio />
          ) : route.page === 'trace' ? (
            <TraceWaterfall traceId={route.traceId} />
          ) : (
            <ChatView key={current ?? 'new'} conversationId={current} onChanged={refreshList} />
          )}
        </main>
      </div>
    </div>
  );
}
