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

/** The path of reset links at the server (`PASSWORD_RESET_URL` set to it, or links from older mails). */
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
 * Reset links carry uid and token after the `#`, which no server receives. With `PASSWORD_RESET_URL`
 * unset the link is the reset route itself (`/#/reset-password?uid=..&token=..`). A page without a
 * fragment of its own gets a bare `#uid=..&token=..` (Django answers `/reset-password#uid=..` with a
 * redirect to `/`, and the browser keeps the fragment): this moves it to the reset route, before
 * rendering. A link from an older mail, `/reset-password?uid=..&token=..` served as the app (Vite's
 * dev server, a static host), goes to the page that says the link is outdated, as Django's redirect does.
 */
export function adoptResetLink(): void {
  const { pathname, search, hash } = window.location;
  const fragment = hash.replace(/^#/, '');
  const carriesALink = (query: string) => {
    const params = new URLSearchParams(query);
    return params.has('uid') || params.has('token');
  };
  if (fragment && !fragment.startsWith('/') && carriesALink(fragment)) {
    window.history.replaceState(null, '', `/#/reset-password?${fragment}`);
  } else if (!fragment && pathname.replace(/\/+$/, '') === RESET_LINK_PATH && carriesALink(search)) {
    window.history.replaceState(null, '', '/#/reset-password?outdated');
  }
}
