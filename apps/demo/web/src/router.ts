import { useEffect, useState } from 'react';

/** The app's pages: the chat (optionally a conversation) and the studio. */
export type Route =
  | { readonly page: 'chat'; readonly conversationId: string | null }
  | { readonly page: 'studio' }
  | { readonly page: 'trace'; readonly traceId: string };

function parseRoute(pathname: string): Route {
  const trace = /^\/studio\/traces\/([0-9a-f]{32})$/.exec(pathname);
  if (trace !== null) return { page: 'trace', traceId: trace[1]! };
  if (pathname.startsWith('/studio')) return { page: 'studio' };
  const match = /^\/c\/([A-Za-z0-9_-]{1,128})$/.exec(pathname);
  return { page: 'chat', conversationId: match?.[1] ?? null };
}

/** Goes to `path` (a new history entry, so back/forward work). */
export function navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  window.dispatchEvent(new PopStateEvent('popstate'));
}

/** The current route, following back/forward. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.pathname));
  useEffect(() => {
    const update = (): void => setRoute(parseRoute(location.pathname));
    window.addEventListener('popstate', update);
    return () => window.removeEventListener('popstate', update);
  }, []);
  return route;
}
