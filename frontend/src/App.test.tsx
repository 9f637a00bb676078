import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from './App';
import { TOKENS_KEY } from './api/client';
import {
  installEndedSession,
  installFetch,
  jsonResponse,
  makeJwt,
  pagedResponse,
  storeTokens,
  tokenResponse,
} from './test/helpers';
import { createTestQueryClient, startEachTestOnACleanPage } from './test/render';

const ME = { id: 1, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' };
const empty = { count: 0, next: null, previous: null, results: [] };

function renderApp() {
  const { wrapper, queryClient } = createTestQueryClient();
  return { ...render(<App />, { wrapper }), queryClient };
}

const TODO = {
  id: 5,
  title: 'Water the plants',
  description: '',
  completed: false,
  created_at: '2026-01-01T00:00:00Z',
  updated_at: '2026-01-01T00:00:00Z',
};
const oneTodo = { count: 1, next: null, previous: null, results: [TODO] };

startEachTestOnACleanPage();

describe('App', () => {
  it('shows the login form when no tokens are stored', () => {
    installFetch(() => jsonResponse(500));
    renderApp();
    expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy();
  });

  it('logs in, then shows the todo list and the user name', async () => {
    const api = installFetch((call) => {
      if (call.path === '/api/auth/login/') {
        return tokenResponse({ session: { id: 1, device_name: 'Phone' }, user: ME });
      }
      return jsonResponse(200, call.path === '/api/users/me/' ? ME : oneTodo);
    });
    renderApp();

    fireEvent.change(screen.getByLabelText('Email'), { target: { value: ME.email } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'secret-pass-123' } });
    fireEvent.change(screen.getByLabelText('Device name (optional)'), { target: { value: 'Phone' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));

    await screen.findByRole('heading', { name: 'Your todos' });
    expect(screen.getByTestId('user-name').textContent).toBe('Ada Lovelace');
    // The pages mounted by the login got their data (their queries were not orphaned).
    await screen.findByText('Water the plants');
    await waitFor(() => expect(screen.getByTestId('count-all').textContent).toBe('1'));
    expect(JSON.parse(api.callsTo('/api/auth/login/')[0]?.body ?? '')).toEqual({
      email: ME.email,
      password: 'secret-pass-123',
      device_name: 'Phone',
    });
  });

  it('shows "Wrong email or password." for a 401 at login', async () => {
    installFetch(() => jsonResponse(401, { detail: 'No active account', code: 'authentication_failed' }));
    renderApp();
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'x@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
  });

  it('returns to the login screen with a notice when the session is revoked', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    installEndedSession({
      refresh: { detail: 'Session revoked', code: 'token_not_valid' },
      resource: { detail: 'The session of this token has ended.', code: 'session_revoked' },
    });
    renderApp();

    await screen.findByRole('heading', { name: 'Sign in' });
    expect(screen.getByRole('status').textContent).toMatch(
      /^You were signed out: this device’s session was ended elsewhere/,
    );
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull();
  });

  it('sign out: clears the tokens and the cached data, shows the login screen', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const api = installFetch((call) =>
      call.path === '/api/auth/logout/'
        ? jsonResponse(204)
        : jsonResponse(200, call.path === '/api/users/me/' ? ME : oneTodo),
    );
    const { queryClient } = renderApp();
    await screen.findByText('Water the plants');

    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));

    await screen.findByRole('heading', { name: 'Sign in' });
    expect(screen.getByRole('status').textContent).toBe('You have signed out.');
    expect(api.callsTo('/api/auth/logout/')).toHaveLength(1);
    expect(localStorage.getItem(TOKENS_KEY)).toBeNull();
    await waitFor(() => expect(queryClient.getQueryCache().getAll()).toHaveLength(0));
  });

  it('follows a logout made in another tab', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    installFetch((call) => jsonResponse(200, call.path === '/api/users/me/' ? ME : empty));
    renderApp();
    await screen.findByRole('heading', { name: 'Your todos' });

    act(() => {
      localStorage.clear();
      window.dispatchEvent(new StorageEvent('storage', { key: null }));
    });

    await waitFor(() => expect(screen.getByRole('heading', { name: 'Sign in' })).toBeTruthy());
  });
});

describe('a page that no longer exists', () => {
  /** A server holding `count` todos, paged by 20 as DRF does: a page past the last is a 404. */
  function installTodos(count: number) {
    let todos = Array.from({ length: count }, (_, i) => ({ ...TODO, id: i + 1, title: `Todo ${i + 1}` }));
    return installFetch((call) => {
      if (call.path === '/api/users/me/') return jsonResponse(200, ME);
      const match = /^\/api\/todos\/(\d+)\/$/.exec(call.path);
      if (match && call.method === 'DELETE') {
        todos = todos.filter((t) => t.id !== Number(match[1]));
        return jsonResponse(204);
      }
      const params = new URLSearchParams(call.search);
      if (params.has('completed') || params.get('page_size') === '1') {
        return jsonResponse(200, { ...empty, count: todos.length });
      }
      return pagedResponse(todos, call);
    });
  }

  it('deleting the last todo of the last page shows the page before it, with no error', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    installTodos(21);
    renderApp();
    await screen.findByText('Todo 1');
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await screen.findByText('Todo 21');
    expect(screen.getByText('Page 2 of 2')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Delete “Todo 21”' }));
    const confirm = screen.getByRole('button', { name: 'Yes, delete' });
    confirm.focus();
    fireEvent.click(confirm);

    await screen.findByText('Todo 1');
    // The focus went with the deleted todo: it goes to the field that adds one, not to <body>.
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('New todo')));
    await waitFor(() => expect(screen.queryByText('Todo 21')).toBeNull());
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.queryByText(/not found|invalid page/i)).toBeNull();
    // One page left, once page 1 is fetched again.
    await waitFor(() => expect(screen.queryByRole('navigation', { name: 'Pages' })).toBeNull());
  });
});
