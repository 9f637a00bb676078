import { useSyncExternalStore } from 'react';

/** Pages are addressed by the URL hash (#/todos, #/profile...): no server-side routes needed. */
export type Route =
  'todos' | 'profile' | 'sessions' | 'login' | 'register' | 'forgot-password' | 'reset-password';

const ROUTES: readonly Route[] = [
  'todos',
  'profile',
  'sessions',
  'login',
  'register',
  'forgot-password',
  'reset-password',
];

/** The path of the mailed reset link (PASSWORD_RESET_URL's default is /reset-password?uid&token). */
export const RESET_LINK_PATH = '/reset-password';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function currentRoute(): Route | null {
  const name = window.location.hash.replace(/^#\/?/, '').split(/[/?]/)[0] ?? '';
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : null;
}

export function useHashRoute(): Route | null {
  return useSyncExternalStore(subscribe, currentRoute, () => null);
}

export function navigate(route: Route): void {
  window.location.hash = `#/${route}`;
}

/** The query of the hash route: `#/reset-password?uid=..&token=..` gives uid and token. */
export function hashQuery(): URLSearchParams {
  const hash = window.location.hash;
  const at = hash.indexOf('?');
  return new URLSearchParams(at === -1 ? '' : hash.slice(at + 1));
}

/**
 * Django redirects the mailed link to `/#/reset-password?uid=..&token=..`. A server that serves
 * the app at the link's own path instead (Vite's dev server, a static host with a fallback)
 * leaves `/reset-password?uid=..&token=..`: this moves it to the hash route, before rendering.
 */
export function adoptResetLink(): void {
  const { pathname, search, hash } = window.location;
  if (pathname.replace(/\/+$/, '') !== RESET_LINK_PATH || hash) return;
  window.history.replaceState(null, '', `/#/reset-password${search}`);
}
