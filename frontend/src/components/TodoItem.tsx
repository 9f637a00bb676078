import { useState } from 'react';
import { useDeleteTodo, useUpdateTodo } from '../api/resources/todos/hooks';
import type { Todo } from '../api/types/todo';
import { ConfirmButton } from './ConfirmButton';
import { ErrorMessage } from './ErrorMessage';
import { Field, FormErrors } from './Field';
import { formatDateTime, formatRelative } from './format';
import { required, useForm } from './useForm';

function EditTodo({ todo, onDone }: { todo: Todo; onDone: () => void }) {
  const update = useUpdateTodo();
  const form = useForm(
    { title: todo.title, description: todo.description },
    { validate: (v) => ({ title: required(v.title, 'Give the todo a title.') }) },
  );
  const onSubmit = form.onSubmit(async (v) => {
    await update.mutateAsync({ id: todo.id, title: v.title.trim(), description: v.description.trim() });
    onDone();
  });
  return (
    <li className="todo editing">
      <form onSubmit={onSubmit} className="todo-edit" noValidate>
        <Field label="Title" binding={form.field('title')} required />
        <Field label="Description" binding={form.field('description')} />
        <FormErrors messages={form.general} />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={form.pending}>
            Save
          </button>
          <button type="button" className="btn" onClick={onDone}>
            Cancel
          </button>
        </div>
      </form>
    </li>
  );
}

export function TodoItem({ todo }: { todo: Todo }) {
  const update = useUpdateTodo();
  const remove = useDeleteTodo();
  const [editing, setEditing] = useState(false);

  // Optimistic toggle: the checkbox shows the asked-for state at once (set in the same event,
  // so a controlled input never snaps back), until the PATCH and the list refetch settle.
  // On error it falls back to the server's state.
  const [optimistic, setOptimistic] = useState<boolean | null>(null);
  const completed = optimistic ?? todo.completed;

  function toggle() {
    const next = !completed;
    setOptimistic(next);
    update.mutate({ id: todo.id, completed: next }, { onSettled: () => setOptimistic(null) });
  }

  if (editing) return <EditTodo todo={todo} onDone={() => setEditing(false)} />;

  return (
    <li className={`todo${completed ? ' done' : ''}`} data-testid="todo">
      <input
        type="checkbox"
        className="todo-check"
        checked={completed}
        disabled={update.isPending}
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
          type="button"
          className="btn btn-small"
          onClick={() => {
            update.reset();
            setEditing(true);
          }}
        >
          Edit
        </button>
        <ConfirmButton
          label="Delete"
          ariaLabel={`Delete “${todo.title}”`}
          question={<>Delete “{todo.title}”? This cannot be undone.</>}
          confirmLabel="Yes, delete"
          pending={remove.isPending}
          onConfirm={() => remove.mutate(todo.id)}
        />
      </div>
    </li>
  );
}
