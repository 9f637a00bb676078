import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { FieldErrors } from '../api/errors';
import { Field, FormErrors, SaveCancel } from './Field';
import { useForm } from './useForm';

interface Props<N extends string> {
  /** The field's name as the API names it (`device_name`, `name`): a 400 on it lands under the input. */
  field: N;
  initial: string;
  /** What is being renamed, as the label says it: "New name for <label>". */
  label: string;
  maxLength: number;
  hint?: string;
  validate: (values: Record<N, string>) => FieldErrors;
  /** Saves the trimmed name; the form closes when it resolves. */
  onSave: (name: string) => Promise<unknown>;
  onDone: () => void;
}

/**
 * A name edited in place (a device's, a passkey's): its input, selected on opening, then Save
 * and Cancel; Escape cancels too.
 */
export function RenameInPlace<N extends string>({
  field,
  initial,
  label,
  maxLength,
  hint,
  validate,
  onSave,
  onDone,
}: Props<N>) {
  const formRef = useRef<HTMLFormElement>(null);
  const form = useForm({ [field]: initial } as Record<N, string>, { validate });
  useEffect(() => formRef.current?.querySelector('input')?.select(), []);

  const escapeCancels = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onDone();
  };
  const onSubmit = form.onSubmit(async (values) => {
    await onSave(values[field].trim());
    onDone();
  });
  return (
    <form ref={formRef} className="session-rename" onSubmit={onSubmit} noValidate>
      <Field
        label={`New name for ${label}`}
        binding={form.field(field)}
        hint={hint}
        required
        maxLength={maxLength}
        onKeyDown={escapeCancels}
      />
      <FormErrors messages={form.general} />
      <SaveCancel pending={form.pending} onCancel={onDone} onKeyDown={escapeCancels} small />
    </form>
  );
}

/**
 * Whether an item's editor is open, and the ref of the button that opens it: closing the editor
 * (saved or cancelled) gives that button the focus back.
 */
export function useEditInPlace() {
  const [editing, setEditing] = useState(false);
  const openerRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useEffect(() => {
    if (!editing && wasEditing.current) openerRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  return { editing, setEditing, openerRef };
}
