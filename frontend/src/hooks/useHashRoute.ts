import { useSyncExternalStore } from 'react';

/** Pages are addressed by the URL hash (#/todos, #/profile...): no server-side routes needed. */
export type Route = 'todos' | 'profile' | 'sessions' | 'login' | 'register';

const ROUTES: readonly Route[] = ['todos', 'profile', 'sessions', 'login', 'register'];

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
