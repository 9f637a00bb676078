import { useState, type FormEvent } from 'react';
import { useDeleteTodo, useUpdateTodo } from '../api/resources/todos/hooks';
import { ErrorMessage, fieldMessages } from '../components/ErrorMessage';
import { formatDateTime } from '../components/format';
import type { Todo } from '../api/types/todo';

export function TodoItem({ todo }: { todo: Todo }) {
  const update = useUpdateTodo();
  const remove = useDeleteTodo();
  const [editing, setEditing] = useState(false);
  const [title, setTitle] = useState(todo.title);
  const [description, setDescription] = useState(todo.description);

  function startEditing() {
    setTitle(todo.title);
    setDescription(todo.description);
    update.reset();
    setEditing(true);
  }

  function onSave(event: FormEvent) {
    event.preventDefault();
    update.mutate({ id: todo.id, title, description }, { onSuccess: () => setEditing(false) });
  }

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

  if (editing) {
    const titleErrors = fieldMessages(update.error, 'title');
    return (
      <li className="todo editing">
        <form onSubmit={onSave} className="todo-edit">
          <input aria-label="Title" value={title} onChange={(e) => setTitle(e.target.value)} required />
          {titleErrors.map((m) => <small key={m} className="field-error">{m}</small>)}
          <input aria-label="Description" value={description} placeholder="Description"
            onChange={(e) => setDescription(e.target.value)} />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={update.isPending}>Save</button>
            <button type="button" className="btn" onClick={() => setEditing(false)}>Cancel</button>
          </div>
          <ErrorMessage error={update.error && !titleErrors.length ? update.error : null} />
        </form>
      </li>
    );
  }

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
        <time className="todo-date" dateTime={todo.created_at}>{formatDateTime(todo.created_at)}</time>
        <ErrorMessage error={update.error ?? remove.error} />
      </div>
      <div className="actions">
        <button type="button" className="btn btn-small" onClick={startEditing}>Edit</button>
        <button type="button" className="btn btn-small btn-danger" disabled={remove.isPending}
          onClick={() => remove.mutate(todo.id)}>Delete</button>
      </div>
    </li>
  );
}
