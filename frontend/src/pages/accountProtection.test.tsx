import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../App';
import { ValidationError } from '../api/client';
import { adoptResetLink, hashQuery } from '../hooks/useHashRoute';
import { installFetch, jsonResponse, makeJwt, storeTokens } from '../test/helpers';
import { createTestQueryClient, startEachTestOnACleanPage } from '../test/render';
import { isDeadLink, validateNewPassword } from './ResetPasswordPage';
import { otherDevices, validateDeviceName } from './SessionsPage';

function renderApp() {
  const { wrapper } = createTestQueryClient();
  return render(<App />, { wrapper });
}

const type = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } });

startEachTestOnACleanPage();

describe('client checks', () => {
  it('a new password: required, 8 characters at least, typed the same twice', () => {
    expect(validateNewPassword({ new_password: '', confirm_password: '' })).toEqual({
      new_password: ['Enter a new password.'],
      confirm_password: ['Type the new password again.'],
    });
    expect(validateNewPassword({ new_password: 'short', confirm_password: 'short' }).new_password).toEqual([
      'Use at least 8 characters.',
    ]);
    expect(
      validateNewPassword({ new_password: 'long-enough-1', confirm_password: 'long-enough-2' })
        .confirm_password,
    ).toEqual(['The new passwords do not match.']);
    expect(validateNewPassword({ new_password: 'long-enough-1', confirm_password: 'long-enough-1' })).toEqual(
      {
        new_password: [],
        confirm_password: [],
      },
    );
  });

  it('a device name: 1 to 100 characters once trimmed', () => {
    expect(validateDeviceName({ device_name: '   ' }).device_name).toEqual(['Give the device a name.']);
    expect(validateDeviceName({ device_name: 'x'.repeat(100) }).device_name).toEqual([]);
    expect(validateDeviceName({ device_name: ` ${'x'.repeat(100)} ` }).device_name).toEqual([]);
    expect(validateDeviceName({ device_name: 'x'.repeat(101) }).device_name).toEqual([
      'Use at most 100 characters (now 101).',
    ]);
  });

  it('a dead link is a 400 on token or uid, not on the password', () => {
    expect(isDeadLink(new ValidationError({ token: ['Invalid.'] }))).toBe(true);
    expect(isDeadLink(new ValidationError({ uid: ['Invalid.'] }))).toBe(true);
    expect(isDeadLink(new ValidationError({ new_password: ['Too common.'] }))).toBe(false);
    expect(isDeadLink(new Error('x'))).toBe(false);
  });

  it('other devices: every session but this one', () => {
    expect(otherDevices(3)).toBe(2);
    expect(otherDevices(1)).toBe(0);
    expect(otherDevices(0)).toBe(0);
  });
});

describe('the reset link', () => {
  it('as the reset route itself (PASSWORD_RESET_URL unset), it is left as it is', () => {
    window.history.replaceState(null, '', '/#/reset-password?uid=MQ&token=abc-1');
    adoptResetLink();
    expect(window.location.href).toBe(`${window.location.origin}/#/reset-password?uid=MQ&token=abc-1`);
    expect(hashQuery().get('uid')).toBe('MQ');
    expect(hashQuery().get('token')).toBe('abc-1');
  });

  it.each(['/', '/reset-password', '/reset-password/'])(
    'a bare #uid=..&token=.. at %s moves to the reset route',
    (path) => {
      window.history.replaceState(null, '', `${path}#uid=MQ&token=abc-1`);
      adoptResetLink();
      expect(window.location.pathname).toBe('/');
      expect(window.location.search).toBe('');
      expect(window.location.hash).toBe('#/reset-password?uid=MQ&token=abc-1');
      expect(hashQuery().get('uid')).toBe('MQ');
      expect(hashQuery().get('token')).toBe('abc-1');
    },
  );

  it("an older mail's /reset-password?uid&token goes to the outdated-link page, without its secrets", () => {
    window.history.replaceState(null, '', '/reset-password?uid=MQ&token=abc-1');
    adoptResetLink();
    expect(window.location.href).toBe(`${window.location.origin}/#/reset-password?outdated`);
  });

  it.each(['/#/todos', '/#section', '/somewhere?uid=MQ', '/reset-password', '/reset-password?lang=en'])(
    '%s is left alone',
    (url) => {
      window.history.replaceState(null, '', url);
      adoptResetLink();
      expect(window.location.href).toBe(`${window.location.origin}${url}`);
    },
  );

  it('followed from a mail with a bare fragment, the page posts its uid and token', async () => {
    const api = installFetch(() => jsonResponse(204));
    window.history.replaceState(null, '', '/reset-password#uid=MQ&token=abc-1');
    adoptResetLink();
    renderApp();
    type('New password', 'a-brand-new-password');
    type('Confirm new password', 'a-brand-new-password');
    fireEvent.click(screen.getByRole('button', { name: 'Set password' }));
    await screen.findByRole('heading', { name: 'Log in' });
    expect(JSON.parse(api.calls[0]?.body ?? '')).toEqual({
      uid: 'MQ',
      token: 'abc-1',
      new_password: 'a-brand-new-password',
    });
  });
});

describe('forgot password', () => {
  it('is linked from the sign-in page and confirms neutrally, whatever the address', async () => {
    const api = installFetch(() => jsonResponse(202, { detail: 'ok' }));
    renderApp();
    fireEvent.click(screen.getByRole('link', { name: 'Forgot password?' }));
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await screen.findByRole('heading', { name: 'Reset your password' });

    fireEvent.click(screen.getByRole('button', { name: 'Send me a link' }));
    expect(screen.getByText('Enter your email address.')).toBeTruthy();
    expect(api.calls).toHaveLength(0);

    type('Email', ' nobody@example.com ');
    fireEvent.click(screen.getByRole('button', { name: 'Send me a link' }));
    const done = await screen.findByTestId('reset-requested');
    expect(done.textContent).toMatch(/If an account exists for nobody@example.com, we have sent it a link/);
    expect(done.textContent).toMatch(/Check your inbox/);
    expect(screen.queryByTestId('console-mail')).toBeNull();
    expect(JSON.parse(api.calls[0]?.body ?? '')).toEqual({ email: 'nobody@example.com' });
  });

  it('on a development server, says the mail is printed in the make run terminal', async () => {
    installFetch(() => jsonResponse(202, { detail: 'ok', console_mail: true }));
    window.location.hash = '#/forgot-password';
    renderApp();
    type('Email', 'ada@example.com');
    fireEvent.click(screen.getByRole('button', { name: 'Send me a link' }));
    const done = await screen.findByTestId('reset-requested');
    expect(done.textContent).toMatch(/If an account exists for ada@example.com/);
    expect(screen.getByTestId('console-mail').textContent).toMatch(
      /development server: it sends no mail, it prints it in the terminal running make run/,
    );
    expect(done.textContent).not.toMatch(/Check your inbox/);
  });

  it('a 429 says when to try again; a 400 goes under the field', async () => {
    let status = 429;
    installFetch(() =>
      status === 429
        ? jsonResponse(429, { detail: 'Request was throttled.' }, { 'Retry-After': '30' })
        : jsonResponse(400, { email: ['Enter a valid email address.'] }),
    );
    window.location.hash = '#/forgot-password';
    renderApp();
    type('Email', 'a@example.com');
    fireEvent.click(screen.getByRole('button', { name: 'Send me a link' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Too many attempts. Try again in 30 s.');

    status = 400;
    type('Email', 'a@example.co');
    fireEvent.click(screen.getByRole('button', { name: 'Send me a link' }));
    await screen.findByText('Enter a valid email address.');
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
    expect(screen.queryByTestId('reset-requested')).toBeNull();
  });
});

describe('set a new password', () => {
  function open(query = '?uid=MQ&token=abc-1') {
    window.location.hash = `#/reset-password${query}`;
    renderApp();
  }
  function submit(password: string, confirmation = password) {
    type('New password', password);
    type('Confirm new password', confirmation);
    fireEvent.click(screen.getByRole('button', { name: 'Set password' }));
  }

  it('on 204 goes to the sign-in page, which says the password was changed', async () => {
    const api = installFetch(() => jsonResponse(204));
    open();
    submit('a-brand-new-password');
    await screen.findByRole('heading', { name: 'Log in' });
    expect(screen.getByTestId('sign-out-notice').textContent).toMatch(/password was changed/);
    expect(window.location.hash).toBe('#/login');
    expect(JSON.parse(api.calls[0]?.body ?? '')).toEqual({
      uid: 'MQ',
      token: 'abc-1',
      new_password: 'a-brand-new-password',
    });
  });

  it('signed in here too: the tokens go (the reset ended every session)', async () => {
    storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
    installFetch(() => jsonResponse(204));
    open();
    submit('a-brand-new-password');
    await screen.findByRole('heading', { name: 'Log in' });
    expect(localStorage.getItem('auth.tokens')).toBeNull();
    expect(screen.getByTestId('sign-out-notice').textContent).toMatch(/password was changed/);
  });

  it('mismatched passwords are caught before sending', () => {
    const api = installFetch(() => jsonResponse(204));
    open();
    submit('a-brand-new-password', 'another-password');
    expect(screen.getByText('The new passwords do not match.')).toBeTruthy();
    expect(api.calls).toHaveLength(0);
  });

  it('a weak password shows the validator messages under the field; the link stays usable', async () => {
    installFetch(() =>
      jsonResponse(400, {
        new_password: ['This password is too common.', 'This password is entirely numeric.'],
      }),
    );
    open();
    submit('12345678');
    await screen.findByText('This password is too common.');
    expect(screen.getByText('This password is entirely numeric.')).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Set password' })).toBeTruthy();
  });

  it('a used or expired link says so and offers a new one', async () => {
    installFetch(() => jsonResponse(400, { token: ['The reset link is invalid or has expired.'] }));
    open();
    submit('a-brand-new-password');
    const alert = await screen.findByTestId('reset-link-invalid');
    expect(alert.textContent).toMatch(/invalid or has expired/);
    expect(screen.getByRole('link', { name: 'Request a new link' }).getAttribute('href')).toBe(
      '#/forgot-password',
    );
    expect(screen.queryByRole('button', { name: 'Set password' })).toBeNull();
  });

  it('a link from an older mail says so and offers a new one, with no form', () => {
    const api = installFetch(() => jsonResponse(204));
    open('?outdated');
    expect(screen.getByTestId('reset-link-invalid').textContent).toMatch(/comes from an older mail/);
    expect(screen.getByRole('link', { name: 'Request a new link' }).getAttribute('href')).toBe(
      '#/forgot-password',
    );
    expect(screen.queryByRole('button', { name: 'Set password' })).toBeNull();
    expect(api.calls).toHaveLength(0);
  });

  it('a link without its token is incomplete', async () => {
    installFetch(() => jsonResponse(204));
    open('?uid=MQ');
    await waitFor(() => expect(screen.getByTestId('reset-link-invalid').textContent).toMatch(/incomplete/));
  });
});
