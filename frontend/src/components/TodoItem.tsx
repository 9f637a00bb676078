import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useDeleteTodo, useUpdateTodo } from '../api/resources/todos/hooks';
import { fieldLimits } from '../api/types/schema.gen';
import type { Todo } from '../api/types/todo';
import type { RemovableItemProps } from '../hooks/useRemovalFocus';
import { useConfirm } from './ConfirmButton';
import { ErrorMessage } from './ErrorMessage';
import { Field, FormErrors, SaveCancel } from './Field';
import { formatDateTime, formatRelative } from './format';
import { useEditInPlace } from './RenameInPlace';
import { required, useForm } from './useForm';

export const TITLE_MAX = fieldLimits.TodoRequest.title.maxLength;
export const DESCRIPTION_MAX = fieldLimits.TodoRequest.description.maxLength;

/** The todo's edit form in place of the item; the title field takes the focus when it opens. */
function EditTodo({ todo, onDone }: { todo: Todo; onDone: () => void }) {
  const update = useUpdateTodo();
  const formRef = useRef<HTMLFormElement>(null);
  const form = useForm(
    { title: todo.title, description: todo.description },
    { validate: (v) => ({ title: required(v.title, 'Give the todo a title.') }) },
  );
  useEffect(() => {
    const title = formRef.current?.querySelector('input');
    title?.focus();
    title?.setSelectionRange(title.value.length, title.value.length); // the caret after the text
  }, []);
  const escapeCancels = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onDone();
  };
  const onSubmit = form.onSubmit(async (v) => {
    await update.mutateAsync({ id: todo.id, title: v.title.trim(), description: v.description.trim() });
    onDone();
  });
  return (
    <li className="todo editing" data-testid="todo-editor">
      <form ref={formRef} onSubmit={onSubmit} className="todo-edit" noValidate>
        <Field
          label="Title"
          binding={form.field('title')}
          required
          maxLength={TITLE_MAX}
          onKeyDown={escapeCancels}
        />
        <Field
          label="Description"
          binding={form.field('description')}
          maxLength={DESCRIPTION_MAX}
          onKeyDown={escapeCancels}
        />
        <FormErrors messages={form.general} />
        <SaveCancel pending={form.pending} onCancel={onDone} onKeyDown={escapeCancels} />
      </form>
    </li>
  );
}

interface Props extends Partial<RemovableItemProps<Todo['id']>> {
  todo: Todo;
  /** Whether the list shows a todo in this state (a filter may show only done or only active ones). */
  listShows?: (completed: boolean) => boolean;
}

export function TodoItem({ todo, itemRef, onLeaving, onStaying, listShows = () => true }: Props) {
  const update = useUpdateTodo();
  const remove = useDeleteTodo();
  // Back from the edit form (saved or cancelled): the focus returns to the button that opened it.
  const { editing, setEditing, openerRef: editRef } = useEditInPlace();

  // Optimistic toggle: the checkbox shows the asked-for state at once (set in the same event,
  // so a controlled input never snaps back), until the PATCH and the list refetch settle.
  // On error it falls back to the server's state.
  const [optimistic, setOptimistic] = useState<boolean | null>(null);
  const completed = optimistic ?? todo.completed;

  function toggle() {
    if (update.isPending) return; // aria-disabled: a disabled checkbox would drop the focus
    const next = !completed;
    setOptimistic(next);
    if (!listShows(next)) onLeaving?.(todo.id);
    update.mutate(
      { id: todo.id, completed: next },
      { onSettled: () => setOptimistic(null), onError: () => onStaying?.() },
    );
  }

  const confirmDelete = useConfirm({
    label: 'Delete',
    ariaLabel: `Delete “${todo.title}”`,
    question: <>Delete “{todo.title}”? This cannot be undone.</>,
    confirmLabel: 'Yes, delete',
    pending: remove.isPending,
    onConfirm: () => {
      onLeaving?.(todo.id);
      remove.mutate(todo.id, { onError: () => onStaying?.() });
    },
  });

  if (editing) return <EditTodo todo={todo} onDone={() => setEditing(false)} />;

  return (
    <li ref={itemRef} className={`todo${completed ? ' done' : ''}`} data-testid="todo">
      <input
        type="checkbox"
        className="todo-check"
        checked={completed}
        aria-disabled={update.isPending || undefined}
        aria-label={`Mark “${todo.title}” as ${completed ? 'not done' : 'done'}`}
        onChange={toggle}
      />
      <div className="todo-body">
        <span className="todo-title">{todo.title}</span>
        {todo.description && <span className="todo-desc">{todo.description}</span>}
        <time className="todo-date" dateTime={todo.created_at} title={formatDateTime(todo.created_at)}>
          {formatRelative(todo.created_at)}
        </time>
        <ErrorMessage error={update.error ?? remove.error} />
      </div>
      <div className="actions">
        <button
          ref={editRef}
          type="button"
          className="btn btn-small"
          onClick={() => {
            update.reset();
            setEditing(true);
          }}
        >
          Edit
        </button>
        {confirmDelete.opener}
      </div>
      {confirmDelete.prompt}
    </li>
  );
}
