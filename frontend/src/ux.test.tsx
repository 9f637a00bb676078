// Issue 25's findings in the logic: notices that outlive their truth, focus, one word for
// signing out, device names, length limits and the questions that ask first.
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { App, shownPage } from './App';
import { fieldLimits } from './api/types/schema.gen';
import { ValidationError } from './api/errors';
import { ConfirmButton, useConfirm } from './components/ConfirmButton';
import { CharCount, Field, FormErrors, showsCount } from './components/Field';
import { describeSession } from './components/format';
import { Pager } from './components/Pager';
import { TITLE_MAX } from './components/TodoItem';
import { required, useForm } from './components/useForm';
import { DEVICE_NAME_KEY, defaultDeviceName, rememberDeviceName, rememberedDeviceName } from './deviceName';
import { focusCandidates } from './hooks/useRemovalFocus';
import { DEVICE_NAME_MAX } from './pages/SessionsPage';
import { SIGN_OUT_KEY, signOutMessage, type SignOutReason } from './signOutNotice';
import {
  installFetch,
  jsonResponse,
  makeJwt,
  pagedResponse,
  storeTokens,
  tokenResponse,
} from './test/helpers';
import { createTestQueryClient, startEachTestOnACleanPage } from './test/render';

startEachTestOnACleanPage();

function renderApp() {
  const { wrapper, queryClient } = createTestQueryClient();
  return { ...render(<App />, { wrapper }), queryClient };
}

const type = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

const ME = { id: 1, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' };
const page = <T,>(results: T[]) => ({ count: results.length, next: null, previous: null, results });
const CHROME_LINUX =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

/** Signs in through the form (with `deviceName` typed, unless null); returns the body sent. */
async function signIn(deviceName: string | null) {
  const api = installFetch((call) =>
    call.path === '/api/auth/login/'
      ? tokenResponse({ user: ME })
      : jsonResponse(200, call.path === '/api/users/me/' ? ME : page([])),
  );
  renderApp();
  type('Email', ME.email);
  type('Password', 'secret-pass-123');
  if (deviceName !== null) type('Device name (optional)', deviceName);
  fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
  await screen.findByRole('heading', { name: 'Your todos' });
  return JSON.parse(api.callsTo('/api/auth/login/')[0]?.body ?? '{}') as { device_name?: string };
}

describe('sign-out notices', () => {
  it('go when a new sign-in attempt starts, in the page and in storage', async () => {
    localStorage.setItem(SIGN_OUT_KEY, JSON.stringify({ reason: 'password_reset', at: Date.now() }));
    installFetch(() => jsonResponse(401, { detail: 'No active account', code: 'authentication_failed' }));
    renderApp();
    expect(screen.getByTestId('sign-out-notice').textContent).toMatch(/reset link/);

    type('Email', 'ada@example.com');
    type('Password', 'wrong');
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
    expect(screen.queryByTestId('sign-out-notice')).toBeNull();
    expect(localStorage.getItem(SIGN_OUT_KEY)).toBeNull(); // a reload does not bring it back
  });

  it('an attempt stopped by the client checks is an attempt too', () => {
    localStorage.setItem(SIGN_OUT_KEY, JSON.stringify({ reason: 'expired', at: Date.now() }));
    const api = installFetch(() => jsonResponse(500));
    renderApp();
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(screen.getByText('Enter your email address.')).toBeTruthy();
    expect(screen.queryByTestId('sign-out-notice')).toBeNull();
    expect(api.calls).toHaveLength(0);
  });

  it('say "sign in" and "sign out", never "log"', () => {
    const reasons: SignOutReason[] = [
      'logged_out',
      'logged_out_everywhere',
      'session_deleted',
      'password_changed',
      'password_reset',
      'others_logged_out',
      'session_limit',
      'reuse_detected',
      'expired',
      'admin',
      'revoked',
      'ended',
    ];
    for (const reason of reasons) expect(signOutMessage(reason)).not.toMatch(/\blog(ged)? ?(in|out)\b/i);
  });
});

describe('a success notice of a form', () => {
  it('shows after the save and goes once the form is edited again', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    installFetch((call) =>
      call.method === 'PATCH'
        ? jsonResponse(200, { ...ME, first_name: 'Grace' })
        : jsonResponse(200, call.path === '/api/users/me/' ? ME : page([])),
    );
    window.location.hash = '#/profile';
    renderApp();
    await waitFor(() => expect((screen.getByLabelText('First name') as HTMLInputElement).value).toBe('Ada'));
    type('First name', 'Grace');
    fireEvent.click(screen.getByRole('button', { name: 'Save profile' }));
    await screen.findByText('Profile saved.');
    type('Last name', 'Hopper');
    expect(screen.queryByText('Profile saved.')).toBeNull();
  });

  it('"every other device has been signed out" goes when another device signs in', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    const me = { id: 's1', device_name: 'Laptop', user_agent: CHROME_LINUX, current: true };
    const other = { id: 's2', device_name: 'Phone', user_agent: '', current: false };
    let sessions = [me, other];
    installFetch((call) => {
      if (call.path === '/api/auth/logout-others/') {
        sessions = [me];
        return jsonResponse(204);
      }
      if (call.path === '/api/auth/sessions/') return jsonResponse(200, page(sessions));
      return jsonResponse(200, ME);
    });
    window.location.hash = '#/sessions';
    const { queryClient } = renderApp();
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out all other devices' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, sign them out' }));
    const done = await screen.findByText('Every other device has been signed out.');
    await waitFor(() => expect(document.activeElement).toBe(done)); // its button went away

    sessions = [me, { ...other, id: 's3' }]; // the phone signs in again
    await act(() => queryClient.invalidateQueries());
    await screen.findByRole('button', { name: 'Sign out all other devices' });
    expect(screen.queryByText('Every other device has been signed out.')).toBeNull();
  });
});

describe('focus', () => {
  it('the next items first, then the previous ones, nearest first', () => {
    expect(focusCandidates([1, 2, 3, 4], 2)).toEqual([3, 4, 1]);
    expect(focusCandidates([1, 2, 3], 3)).toEqual([2, 1]);
    expect(focusCandidates([1], 1)).toEqual([]);
    expect(focusCandidates([1, 2], 9)).toEqual([]); // not in the list: nothing to follow
  });

  it('a failed submit focuses the first invalid field, for the client’s checks and the server’s', async () => {
    let answer: Error | null = new ValidationError({ last: ['Too long.'] });
    function Form() {
      const form = useForm({ first: '', last: '' }, { validate: (v) => ({ first: required(v.first) }) });
      return (
        <form
          noValidate
          onSubmit={form.onSubmit(async () => {
            if (answer) throw answer;
          })}
        >
          <Field label="First" binding={form.field('first')} />
          <Field label="Last" binding={form.field('last')} />
          <FormErrors messages={form.general} />
          <button type="submit">Send</button>
        </form>
      );
    }
    render(<Form />);
    const send = screen.getByRole('button', { name: 'Send' });
    send.focus();
    fireEvent.click(send);
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText('First')));

    type('First', 'Ada');
    send.focus();
    fireEvent.click(send);
    await screen.findByText('Too long.');
    expect(document.activeElement).toBe(screen.getByLabelText('Last'));

    answer = new Error('offline'); // a form-wide message only: the focus stays on the button
    send.focus();
    fireEvent.click(send);
    await screen.findByRole('alert');
    expect(document.activeElement).toBe(send);
  });

  it('navigation focuses the new page’s main heading (not on the first page shown)', async () => {
    installFetch(() => jsonResponse(202, {}));
    renderApp();
    expect(document.activeElement).toBe(document.body);
    act(() => {
      window.location.hash = '#/register';
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    const heading = await screen.findByRole('heading', { level: 1, name: 'Create an account' });
    expect(document.activeElement).toBe(heading);
  });

  it('signing in is a navigation too: the todos page’s heading', async () => {
    await signIn(null);
    const heading = screen.getByRole('heading', { level: 1, name: 'Your todos' });
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it('the pager’s buttons at either end keep the focus and do nothing', () => {
    const pages: number[] = [];
    const list = { count: 45, next: null, previous: 'p2' };
    render(<Pager page={3} pageSize={20} list={list} onPage={(n) => pages.push(n)} />);
    const next = screen.getByRole('button', { name: 'Next' });
    next.focus();
    fireEvent.click(next);
    expect(next.getAttribute('aria-disabled')).toBe('true');
    expect(next.hasAttribute('disabled')).toBe(false);
    expect(document.activeElement).toBe(next);
    fireEvent.click(screen.getByRole('button', { name: 'Previous' }));
    expect(pages).toEqual([2]);
  });

  it('the page shown for each route, signed in or not', () => {
    expect(shownPage('todos', false)).toBe('login');
    expect(shownPage('register', false)).toBe('register');
    expect(shownPage('login', true)).toBe('todos');
    expect(shownPage('sessions', true)).toBe('sessions');
    expect(shownPage('reset-password', true)).toBe('reset-password');
    expect(shownPage(null, false)).toBe('login');
  });
});

describe('asking first', () => {
  function Row({ onConfirm, pending = false }: { onConfirm: () => void; pending?: boolean }) {
    const { opener, prompt } = useConfirm({
      label: 'Delete',
      question: 'Delete it?',
      confirmLabel: 'Yes, delete',
      onConfirm,
      pending,
    });
    return (
      <div data-testid="row">
        <div className="actions">{opener}</div>
        {prompt}
      </div>
    );
  }

  it('the question is its own block after the actions; the button stays, expanded', () => {
    render(<Row onConfirm={() => undefined} />);
    const opener = screen.getByRole('button', { name: 'Delete' });
    expect(opener.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(opener);
    expect(opener.getAttribute('aria-expanded')).toBe('true');
    const question = screen.getByRole('group', { name: 'Delete it?' });
    expect(question.parentElement).toBe(screen.getByTestId('row')); // not inside .actions
    expect(opener.getAttribute('aria-controls')).toBe(question.id);
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(screen.getByRole('button', { name: 'Cancel' }), { key: 'Escape' });
    expect(screen.queryByRole('group')).toBeNull();
    expect(document.activeElement).toBe(opener);
  });

  it('while pending, the buttons keep the focus and ignore presses', () => {
    let confirmed = 0;
    function Busy() {
      const [pending, setPending] = useState(false);
      return (
        <Row
          pending={pending}
          onConfirm={() => {
            confirmed += 1;
            setPending(true);
          }}
        />
      );
    }
    render(<Busy />);
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes, delete' }));
    const opener = screen.getByRole('button', { name: 'Delete' });
    expect(confirmed).toBe(1);
    expect(opener.hasAttribute('disabled')).toBe(false); // a disabled button would drop the focus
    expect(opener.getAttribute('aria-disabled')).toBe('true');
    expect(document.activeElement).toBe(opener);
    fireEvent.click(opener);
    expect(screen.queryByRole('group')).toBeNull();
  });

  it('ConfirmButton puts the question right under its button, in one block', () => {
    render(<ConfirmButton label="End" question="End it?" confirmLabel="Yes" onConfirm={() => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'End' }));
    const block = screen.getByRole('button', { name: 'End' }).parentElement!;
    expect(block.className).toBe('confirm-block');
    expect(block.lastElementChild).toBe(screen.getByRole('group', { name: 'End it?' }));
  });
});

describe('device names', () => {
  it('every device is described by the one function, named or not; the raw User-Agent only when unrecognised', () => {
    expect(describeSession({ device_name: 'Laptop', user_agent: CHROME_LINUX })).toEqual({
      name: 'Laptop',
      detail: 'Chrome on Linux',
    });
    // Unnamed (or named by the server from the same User-Agent): no raw string under the name.
    expect(describeSession({ device_name: '', user_agent: CHROME_LINUX })).toEqual({
      name: 'Chrome on Linux',
      detail: null,
    });
    expect(describeSession({ device_name: 'Chrome on Linux', user_agent: CHROME_LINUX })).toEqual({
      name: 'Chrome on Linux',
      detail: null,
    });
    expect(describeSession({ device_name: 'Script', user_agent: 'my-tool/1.0' })).toEqual({
      name: 'Script',
      detail: 'my-tool/1.0',
    });
    expect(describeSession({ device_name: '', user_agent: '' })).toEqual({
      name: 'Unknown device',
      detail: 'Unknown browser',
    });
  });

  it('the browser remembers the name it last used; an empty one forgets it', () => {
    expect(rememberedDeviceName()).toBe('');
    rememberDeviceName('  Work laptop ');
    expect(localStorage.getItem(DEVICE_NAME_KEY)).toBe('Work laptop');
    expect(rememberedDeviceName()).toBe('Work laptop');
    rememberDeviceName('');
    expect(localStorage.getItem(DEVICE_NAME_KEY)).toBeNull();
    expect(defaultDeviceName(CHROME_LINUX)).toBe('Chrome on Linux');
  });

  it('the sign-in form offers the remembered name, sends it, and keeps a new one', async () => {
    localStorage.setItem(DEVICE_NAME_KEY, 'Kitchen computer');
    renderApp();
    expect((screen.getByLabelText('Device name (optional)') as HTMLInputElement).value).toBe(
      'Kitchen computer',
    );
    cleanup();
    const sent = await signIn('Office PC');
    expect(sent.device_name).toBe('Office PC');
    expect(localStorage.getItem(DEVICE_NAME_KEY)).toBe('Office PC');
  });

  it('left empty, the browser is named from its User-Agent by the same function', async () => {
    const sent = await signIn('');
    expect(sent.device_name).toBe(defaultDeviceName());
    expect(localStorage.getItem(DEVICE_NAME_KEY)).toBeNull();
  });
});

describe('length limits', () => {
  it('come from the API schema', () => {
    expect(TITLE_MAX).toBe(fieldLimits.TodoRequest.title.maxLength);
    expect(TITLE_MAX).toBe(200);
    expect(DEVICE_NAME_MAX).toBe(100);
  });

  it('the counter shows from 80 % of the limit, then says the limit is reached', () => {
    expect(showsCount(159, 200)).toBe(false);
    expect(showsCount(160, 200)).toBe(true);
    expect(showsCount(10, undefined)).toBe(false);
    const { rerender } = render(<CharCount id="c" length={159} max={200} />);
    expect(screen.queryByTestId('char-count')).toBeNull();
    rerender(<CharCount id="c" length={180} max={200} />);
    expect(screen.getByTestId('char-count').textContent).toBe('180 of 200 characters');
    rerender(<CharCount id="c" length={200} max={200} />);
    expect(screen.getByTestId('char-count').textContent).toBe('200 of 200 characters: the limit.');
  });

  it('a field with a maxLength is described by its counter once shown', () => {
    function Name() {
      const form = useForm({ name: 'x'.repeat(95) });
      return <Field label="Name" binding={form.field('name')} maxLength={100} hint="Your name." />;
    }
    render(<Name />);
    const input = screen.getByLabelText('Name');
    expect(input.getAttribute('maxlength')).toBe('100');
    const ids = (input.getAttribute('aria-describedby') ?? '').split(' ');
    expect(ids.map((id) => document.getElementById(id)?.textContent)).toEqual([
      'Your name.',
      '95 of 100 characters',
    ]);
  });

  it('saving a todo keeps what was typed meanwhile', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    let release!: () => void;
    installFetch((call) => {
      if (call.method === 'POST')
        return new Promise((resolve) => {
          release = () => resolve(jsonResponse(201, { id: 1, title: 'First' }));
        });
      return jsonResponse(200, call.path === '/api/users/me/' ? ME : page([]));
    });
    window.location.hash = '#/todos';
    renderApp();
    type('New todo', 'First');
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    await screen.findByRole('button', { name: 'Adding…' });
    type('New todo', 'Second');
    await act(async () => release());
    await screen.findByRole('button', { name: 'Add' });
    expect((screen.getByLabelText('New todo') as HTMLInputElement).value).toBe('Second');
  });
});

describe('the sessions list', () => {
  it('ending the last session of the last page shows the page before, with no error', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    let sessions = Array.from({ length: 21 }, (_, i) => ({
      id: `s${i + 1}`,
      device_name: `Device ${i + 1}`,
      user_agent: '',
      current: i === 0,
    }));
    installFetch((call) => {
      const ended = /^\/api\/auth\/sessions\/(s\d+)\/$/.exec(call.path);
      if (ended && call.method === 'DELETE') {
        sessions = sessions.filter((s) => s.id !== ended[1]);
        return jsonResponse(204);
      }
      if (call.path !== '/api/auth/sessions/') return jsonResponse(200, ME);
      return pagedResponse(sessions, call);
    });
    window.location.hash = '#/sessions';
    renderApp();
    fireEvent.click(await screen.findByRole('button', { name: 'Next' }));
    fireEvent.click(await screen.findByRole('button', { name: 'End session on Device 21' }));
    const confirm = screen.getByRole('button', { name: 'Yes, end it' });
    confirm.focus();
    fireEvent.click(confirm);

    await screen.findByText('Device 20');
    expect(screen.queryByText('Device 21')).toBeNull();
    expect(screen.queryByRole('alert')).toBeNull();
    // The focus went with the ended session: it goes to the page's heading, not to <body>.
    await waitFor(() =>
      expect(document.activeElement).toBe(screen.getByRole('heading', { name: 'Your sessions' })),
    );
  });
});
