import { createContext, useCallback, useContext, useEffect, useState } from 'react';
import type { AnchorHTMLAttributes, ReactNode } from 'react';

/** Every console URL starts with this (Vite's `base`; the gateway serves index.html for any path under it). */
export const BASE = '/console';

/** A console page: the run list, one run, the gates inbox, the workflows (one chosen), memory (of one workflow). */
export type Route =
  | { readonly page: 'runs' }
  | { readonly page: 'run'; readonly runId: string }
  | { readonly page: 'gates' }
  | { readonly page: 'workflows' | 'memory'; readonly workflowId?: string }
  | { readonly page: 'not_found'; readonly path: string };

export function routeOf(pathname: string): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'runs')) return { page: 'runs' };
  if (parts.length === 2 && parts[0] === 'runs') return { page: 'run', runId: parts[1] };
  if (parts.length === 1 && parts[0] === 'gates') return { page: 'gates' };
  if (parts.length <= 2 && (parts[0] === 'workflows' || parts[0] === 'memory'))
    return parts[1] ? { page: parts[0], workflowId: parts[1] } : { page: parts[0] };
  return { page: 'not_found', path: pathname };
}

export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'run':
      return `${BASE}/runs/${encodeURIComponent(route.runId)}`;
    case 'gates':
      return `${BASE}/gates`;
    case 'workflows':
    case 'memory':
      return `${BASE}/${route.page}${route.workflowId ? `/${encodeURIComponent(route.workflowId)}` : ''}`;
    default:
      return `${BASE}/`;
  }
}

const RouterContext = createContext<{ route: Route; navigate: (href: string) => void }>({
  route: { page: 'runs' },
  navigate: () => undefined,
});

/** History-API routing (no hash): back and forward work, and a copied URL opens the same page. */
export function Router({ children }: { children: ReactNode }) {
  const [route, setRoute] = useState<Route>(() => routeOf(location.pathname));
  useEffect(() => {
    const onPop = (): void => setRoute(routeOf(location.pathname));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((href: string) => {
    history.pushState(null, '', href);
    setRoute(routeOf(new URL(href, location.href).pathname));
  }, []);
  return <RouterContext.Provider value={{ route, navigate }}>{children}</RouterContext.Provider>;
}

export const useRoute = () => useContext(RouterContext);

/** A real link (opens in a new tab with a modifier key) that navigates in place otherwise. */
export function Link({
  to,
  children,
  ...rest
}: { to: Route; children: ReactNode } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  const { navigate, route } = useRoute();
  const href = hrefOf(to);
  const current = hrefOf(route) === href;
  return (
    <a
      {...rest}
      href={href}
      aria-current={current ? 'page' : undefined}
      onClick={(event) => {
        if (
          event.defaultPrevented ||
          event.button !== 0 ||
          event.metaKey ||
          event.ctrlKey ||
          event.shiftKey ||
          event.altKey
        )
          return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
