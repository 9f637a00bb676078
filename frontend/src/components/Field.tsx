import { useId, type InputHTMLAttributes } from 'react';
import { fieldMessages } from './ErrorMessage';

interface Props extends InputHTMLAttributes<HTMLInputElement> {
  label: string;
  /** API field name, used to show that field's validation messages. */
  name: string;
  error?: unknown;
  hint?: string;
}

/** A labelled input with its server-side validation messages underneath. */
export function Field({ label, name, error, hint, ...inputProps }: Props) {
  const id = useId();
  const messages = fieldMessages(error, name);
  const describedBy = messages.length ? `${id}-errors` : hint ? `${id}-hint` : undefined;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={name}
        aria-invalid={messages.length > 0 || undefined}
        aria-describedby={describedBy}
        {...inputProps}
      />
      {hint && !messages.length && (
        <small id={`${id}-hint`} className="hint">
          {hint}
        </small>
      )}
      {messages.length > 0 && (
        <ul id={`${id}-errors`} className="field-errors">
          {messages.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
