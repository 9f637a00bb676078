import { useId, type InputHTMLAttributes, type KeyboardEvent } from 'react';
import { fieldLimits } from '../api/types/schema.gen';
import type { FieldBinding } from './useForm';

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'value' | 'onChange'> {
  label: string;
  /** From `form.field(name)`: name, value, onChange and the field's messages. */
  binding: FieldBinding;
  hint?: string;
}

/** From this share of a field's `maxLength` on, its counter shows. */
const COUNT_FROM = 0.8;

/** Whether the counter of a value of `length` characters, limited to `max`, is on show. */
export function showsCount(length: number, max: number | undefined): max is number {
  return max !== undefined && length >= Math.floor(max * COUNT_FROM);
}

/**
 * "180 of 200 characters" once a value nears its field's `maxLength` (the API's limit, from
 * the schema), and "the limit" when it is reached: the input then stops taking characters, and
 * the user sees why before anything is cut. Nothing below COUNT_FROM of the limit.
 */
export function CharCount({ id, length, max }: { id: string; length: number; max: number | undefined }) {
  if (!showsCount(length, max)) return null;
  return (
    <small id={id} className={`hint counter${length >= max ? ' at-limit' : ''}`} data-testid="char-count">
      {length >= max ? `${max} of ${max} characters: the limit.` : `${length} of ${max} characters`}
    </small>
  );
}

/**
 * A labelled input with its messages underneath. With messages it is `aria-invalid` and
 * described by them (and by the hint, which stays), so a screen reader reads why. With a
 * `maxLength`, a counter shows as the value nears it (CharCount).
 */
export function Field({ label, binding, hint, ...inputProps }: Props) {
  const id = useId();
  const { errors, ...bound } = binding;
  const counting = showsCount(bound.value.length, inputProps.maxLength);
  const describedBy = [
    hint ? `${id}-hint` : '',
    counting ? `${id}-count` : '',
    errors.length ? `${id}-errors` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        {...bound}
        aria-invalid={errors.length > 0 ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...inputProps}
      />
      {hint && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      <CharCount id={`${id}-count`} length={bound.value.length} max={inputProps.maxLength} />
      <FieldErrors id={`${id}-errors`} messages={errors} />
    </div>
  );
}

/** A field's messages, under it (referenced by the input's `aria-describedby`). */
export function FieldErrors({ id, messages }: { id: string; messages: string[] }) {
  if (!messages.length) return null;
  return (
    <ul id={id} className="field-errors">
      {messages.map((m) => (
        <li key={m}>{m}</li>
      ))}
    </ul>
  );
}

/** The form-wide messages (role=alert, so they are announced when they appear). */
export function FormErrors({ messages }: { messages: string[] }) {
  if (!messages.length) return null;
  return (
    <div className="alert alert-error" role="alert">
      {messages.map((m) => (
        <p key={m}>{m}</p>
      ))}
    </div>
  );
}

/**
 * The primary button of a form: says it is working while pending, when useForm ignores another
 * submit. It is `aria-disabled` rather than `disabled` then: a disabled button loses the focus,
 * which would leave a keyboard user on <body> after a failed attempt.
 */
export function SubmitButton({
  pending,
  label,
  pendingLabel = 'Please wait…',
  className = 'btn btn-primary btn-block',
}: {
  pending: boolean;
  label: string;
  pendingLabel?: string;
  className?: string;
}) {
  return (
    <button type="submit" className={className} aria-disabled={pending || undefined}>
      {pending ? pendingLabel : label}
    </button>
  );
}

/** A new password typed twice, as `new_password` and `confirm_password` of the form. */
export function NewPasswordFields({
  binding,
  confirmBinding,
  hint,
}: {
  binding: FieldBinding;
  confirmBinding: FieldBinding;
  hint?: string;
}) {
  return (
    <>
      <Field
        label="New password"
        binding={binding}
        type="password"
        autoComplete="new-password"
        required
        {...(hint ? { hint } : {})}
      />
      <Field
        label="Confirm new password"
        binding={confirmBinding}
        type="password"
        autoComplete="new-password"
        required
      />
    </>
  );
}

/** Save and Cancel of a form edited in place (a todo, a device's name); Escape on Cancel cancels. */
export function SaveCancel({
  pending,
  onCancel,
  onKeyDown,
  small = false,
}: {
  pending: boolean;
  onCancel: () => void;
  onKeyDown: (event: KeyboardEvent) => void;
  small?: boolean;
}) {
  const size = small ? ' btn-small' : '';
  return (
    <div className="actions">
      <SubmitButton
        pending={pending}
        label="Save"
        pendingLabel="Saving…"
        className={`btn${size} btn-primary`}
      />
      <button type="button" className={`btn${size}`} onKeyDown={onKeyDown} onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

const NAME_LIMITS = fieldLimits.PatchedUserProfileUpdateRequest;

/** First and last name side by side (register, profile), limited as the API limits them. */
export function NameFields({ first, last }: { first: FieldBinding; last: FieldBinding }) {
  return (
    <div className="row">
      <Field
        label="First name"
        binding={first}
        autoComplete="given-name"
        maxLength={NAME_LIMITS.first_name.maxLength}
      />
      <Field
        label="Last name"
        binding={last}
        autoComplete="family-name"
        maxLength={NAME_LIMITS.last_name.maxLength}
      />
    </div>
  );
}
