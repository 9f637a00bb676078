/**
 * The one form pattern of the app: values, client checks and server errors in one place.
 *
 *  - Every error is shown at once: the client checks all fields before sending (forms use
 *    `noValidate`, since the browser's own bubbles show one field at a time), and a 400 from
 *    the server puts each field's messages next to it.
 *  - Editing a field clears that field's messages and the form-wide message: what is shown
 *    always belongs to what is typed.
 *  - `field(name)` gives what <Field> needs: value, onChange and the messages, from which it
 *    sets `aria-invalid` and `aria-describedby`.
 *  - A failed submit moves focus to the first invalid field (a form-wide message alone leaves
 *    it on the submit button, and its role=alert is announced).
 *  - `done` says the last submit succeeded, until the form is edited or sent again: a success
 *    notice shown from it never stands beside changes it does not cover.
 */
import { useCallback, useEffect, useRef, useState, type ChangeEvent, type FormEvent } from 'react';
import { ValidationError, type FieldErrors } from '../api/errors';
import { describeError } from './ErrorMessage';

export type Values = Record<string, string>;
export type Validate<V extends Values> = (values: V) => FieldErrors;

export interface SplitErrors {
  fields: FieldErrors;
  /** Messages that belong to no field of this form (non_field_errors, detail, unknown fields). */
  general: string[];
}

/** Splits any API error into messages per field of this form and form-wide ones. */
export function splitErrors(
  error: unknown,
  fieldNames: readonly string[],
  unauthorizedText?: string,
): SplitErrors {
  if (!error) return { fields: {}, general: [] };
  if (!(error instanceof ValidationError))
    return { fields: {}, general: [describeError(error, unauthorizedText)] };
  const fields: FieldErrors = {};
  const general: string[] = [];
  for (const [name, messages] of Object.entries(error.fieldErrors)) {
    if (fieldNames.includes(name)) fields[name] = messages;
    else if (name === 'non_field_errors' || name === 'detail') general.push(...messages);
    else general.push(...messages.map((m) => `${name.replace(/_/g, ' ')}: ${m}`));
  }
  return { fields, general };
}

/** `errors` without `name` (a field just edited). */
export function withoutField(errors: FieldErrors, name: string): FieldErrors {
  if (!(name in errors)) return errors;
  const rest = { ...errors };
  delete rest[name];
  return rest;
}

function sameValues(a: Values, b: Values): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => a[key] === b[key]);
}

/** Only the non-empty entries: whether a client check found anything. */
export function hasErrors(errors: FieldErrors): boolean {
  return Object.values(errors).some((messages) => messages.length > 0);
}

export interface FieldBinding {
  name: string;
  value: string;
  onChange: (event: ChangeEvent<HTMLInputElement>) => void;
  errors: string[];
}

interface Options<V extends Values> {
  validate?: Validate<V>;
  /** Form-wide text for a 401 (e.g. "Wrong email or password." at login). */
  unauthorizedText?: string;
}

export function useForm<V extends Values>(initial: V, options: Options<V> = {}) {
  const [values, setValues] = useState<V>(initial);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [pending, setPending] = useState(false);
  const [done, setDone] = useState(false);
  const { validate, unauthorizedText } = options;
  // Bumped by each failed submit; the effect below then focuses the first invalid field.
  const [failures, setFailures] = useState(0);
  const formRef = useRef<HTMLFormElement | null>(null);

  useEffect(() => {
    if (failures) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [failures]);

  const setValue = useCallback((name: keyof V & string, value: string) => {
    setValues((current) => ({ ...current, [name]: value }));
    setFieldErrors((current) => withoutField(current, name));
    setGeneral((current) => (current.length ? [] : current));
    setDone(false);
  }, []);

  function field(name: keyof V & string): FieldBinding {
    return {
      name,
      value: values[name] ?? '',
      onChange: (event) => setValue(name, event.target.value),
      errors: fieldErrors[name] ?? [],
    };
  }

  /** Form submit handler: checks, then runs `action`; shows every error it ends with. */
  function onSubmit(action: (values: V) => Promise<unknown>) {
    return async (event: FormEvent<HTMLFormElement>) => {
      event.preventDefault();
      if (pending) return;
      formRef.current = event.currentTarget;
      setDone(false);
      const clientErrors = validate?.(values) ?? {};
      if (hasErrors(clientErrors)) {
        setFieldErrors(clientErrors);
        setGeneral([]);
        setFailures((n) => n + 1);
        return;
      }
      setFieldErrors({});
      setGeneral([]);
      setPending(true);
      try {
        await action(values);
        setDone(true);
      } catch (error) {
        const split = splitErrors(error, Object.keys(values), unauthorizedText);
        setFieldErrors(split.fields);
        setGeneral(split.general);
        setFailures((n) => n + 1);
      } finally {
        setPending(false);
      }
    };
  }

  return {
    values,
    setValue,
    /**
     * Replaces every value (e.g. once the profile loaded), clearing the errors. With `ifStill`,
     * only while the values are still those (what was sent): what the user typed while the
     * request was out is kept.
     */
    reset: (next: V, ifStill?: V) => {
      setValues((current) => (ifStill && !sameValues(current, ifStill) ? current : next));
      setFieldErrors({});
      setGeneral([]);
    },
    field,
    general,
    pending,
    /** The last submit succeeded and nothing was edited since. */
    done,
    onSubmit,
  };
}

// --- Common client checks -----------------------------------------------------------------

export function required(value: string, message = 'This field is required.'): string[] {
  return value.trim() ? [] : [message];
}

export function email(value: string): string[] {
  if (!value.trim()) return ['Enter your email address.'];
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value.trim()) ? [] : ['Enter a valid email address.'];
}
