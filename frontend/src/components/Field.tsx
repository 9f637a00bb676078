import { useId, type InputHTMLAttributes } from 'react';
import type { FieldBinding } from './useForm';

interface Props extends Omit<InputHTMLAttributes<HTMLInputElement>, 'name' | 'value' | 'onChange'> {
  label: string;
  /** From `form.field(name)`: name, value, onChange and the field's messages. */
  binding: FieldBinding;
  hint?: string;
}

/**
 * A labelled input with its messages underneath. With messages it is `aria-invalid` and
 * described by them (and by the hint, which stays), so a screen reader reads why.
 */
export function Field({ label, binding, hint, ...inputProps }: Props) {
  const id = useId();
  const { errors, ...bound } = binding;
  const describedBy = [hint ? `${id}-hint` : '', errors.length ? `${id}-errors` : '']
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
      {errors.length > 0 && (
        <ul id={`${id}-errors`} className="field-errors">
          {errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
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

/** The primary button of a form: says it is working, and cannot be pressed twice, while pending. */
export function SubmitButton({ pending, label }: { pending: boolean; label: string }) {
  return (
    <button type="submit" className="btn btn-primary btn-block" disabled={pending}>
      {pending ? 'Please wait…' : label}
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
