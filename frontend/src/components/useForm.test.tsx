import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { NetworkError, UnauthorizedError, ValidationError } from '../api/errors';
import { Field, FormErrors } from './Field';
import { email, required, splitErrors, useForm } from './useForm';

afterEach(cleanup);

describe('splitErrors', () => {
  it('puts field messages by field and the rest form-wide', () => {
    const error = new ValidationError({
      email: ['Taken.'],
      password: ['Too short.', 'Too common.'],
      non_field_errors: ['Try again.'],
      is_staff: ['Not allowed.'],
    });
    expect(splitErrors(error, ['email', 'password'])).toEqual({
      fields: { email: ['Taken.'], password: ['Too short.', 'Too common.'] },
      general: ['Try again.', 'is staff: Not allowed.'],
    });
  });

  it('turns any other error into one form-wide sentence', () => {
    expect(splitErrors(new UnauthorizedError('x', 401), ['email'], 'Wrong email or password.')).toEqual({
      fields: {},
      general: ['Wrong email or password.'],
    });
    expect(splitErrors(new NetworkError(new TypeError()), []).general[0]).toMatch(/Cannot reach the server/);
    expect(splitErrors(null, ['email'])).toEqual({ fields: {}, general: [] });
  });
});

describe('client checks', () => {
  it('required and email', () => {
    expect(required('  ')).toEqual(['This field is required.']);
    expect(required('x')).toEqual([]);
    expect(email('')).toEqual(['Enter your email address.']);
    expect(email('nope')).toEqual(['Enter a valid email address.']);
    expect(email('a@example.com')).toEqual([]);
  });
});

/** A small form built with the pattern, whose submit does what the test says. */
function TestForm({ action }: { action: () => Promise<unknown> }) {
  const form = useForm(
    { email: '', password: '' },
    {
      validate: (v) => ({ email: email(v.email), password: required(v.password) }),
      unauthorizedText: 'Wrong email or password.',
    },
  );
  return (
    <form onSubmit={form.onSubmit(action)} noValidate>
      <Field label="Email" binding={form.field('email')} hint="Your login." />
      <Field label="Password" binding={form.field('password')} />
      <FormErrors messages={form.general} />
      <button type="submit">Send</button>
    </form>
  );
}

function describedText(input: HTMLElement): string {
  return (input.getAttribute('aria-describedby') ?? '')
    .split(' ')
    .filter(Boolean)
    .map((id) => document.getElementById(id)?.textContent ?? '')
    .join(' | ');
}

describe('useForm + Field', () => {
  it('shows every client error at once, each input aria-invalid and described by its message', async () => {
    let sent = 0;
    render(<TestForm action={async () => (sent += 1)} />);
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));

    const emailInput = await screen.findByLabelText('Email');
    const password = screen.getByLabelText('Password');
    expect(emailInput.getAttribute('aria-invalid')).toBe('true');
    expect(password.getAttribute('aria-invalid')).toBe('true');
    expect(describedText(emailInput)).toBe('Your login. | Enter your email address.');
    expect(describedText(password)).toBe('This field is required.');
    expect(sent).toBe(0); // nothing sent while the form is invalid
  });

  it('clears a field’s stale message when that field is edited, and only that one', async () => {
    render(<TestForm action={async () => undefined} />);
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    await screen.findByText('This field is required.');

    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'x' } });

    expect(screen.queryByText('This field is required.')).toBeNull();
    expect(screen.getByLabelText('Password').hasAttribute('aria-invalid')).toBe(false);
    expect(screen.getByLabelText('Password').hasAttribute('aria-describedby')).toBe(false);
    expect(screen.getByText('Enter your email address.')).toBeTruthy();
    expect(screen.getByLabelText('Email').getAttribute('aria-invalid')).toBe('true');
  });

  it('shows every server field error, and a form-wide one until the next edit', async () => {
    let attempt = 0;
    const action = async () => {
      attempt += 1;
      if (attempt === 1) throw new ValidationError({ email: ['Taken.'], password: ['Too common.'] });
      throw new UnauthorizedError('No active account', 401, 'authentication_failed');
    };
    render(<TestForm action={action} />);
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: 'a@example.com' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(await screen.findByText('Taken.')).toBeTruthy();
    expect(screen.getByText('Too common.')).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect((await screen.findByRole('alert')).textContent).toBe('Wrong email or password.');
    expect(screen.queryByText('Taken.')).toBeNull(); // the new answer replaced the old one

    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'password2' } });
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
