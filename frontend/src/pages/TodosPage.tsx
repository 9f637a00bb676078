import { useEffect, useState } from 'react';
import { useSessionUserId } from '../api/resources/auth/hooks';
import { useCreateTodo, useTodoCount, useTodos } from '../api/resources/todos/hooks';
import type { TodoOrdering } from '../api/types/todo';
import { ErrorMessage } from '../components/ErrorMessage';
import { FormErrors } from '../components/Field';
import { Pager } from '../components/Pager';
import { TodoItem } from '../components/TodoItem';
import { required, useForm } from '../components/useForm';
import { useDebounced } from '../hooks/useDebounced';
import { draftKey, readDraft, writeDraft } from '../hooks/useDraft';

const PAGE_SIZE = 20;
type Filter = 'all' | 'active' | 'done';
const COMPLETED: Record<Filter, boolean | undefined> = { all: undefined, active: false, done: true };
const EMPTY_TODO = { title: '', description: '' };

function NewTodoForm({ storageKey }: { storageKey: string }) {
  const create = useCreateTodo();
  const form = useForm(readDraft(storageKey, EMPTY_TODO), {
    validate: (v) => ({ title: required(v.title, 'Give the todo a title.') }),
  });
  const { values } = form;

  // The draft survives a session that ends while typing (see useDraft).
  useEffect(() => writeDraft(storageKey, values), [storageKey, values]);

  const onSubmit = form.onSubmit(async (v) => {
    await create.mutateAsync({ title: v.title.trim(), description: v.description.trim() });
    form.reset(EMPTY_TODO);
  });

  const title = form.field('title');
  const description = form.field('description');
  return (
    <form className="card new-todo" onSubmit={onSubmit} noValidate>
      <div className="row">
        <input
          aria-label="New todo"
          placeholder="What needs doing?"
          maxLength={200}
          name={title.name}
          value={title.value}
          onChange={title.onChange}
          aria-invalid={title.errors.length > 0 ? true : undefined}
          aria-describedby={title.errors.length ? 'new-todo-errors' : undefined}
        />
        <input
          aria-label="New todo description"
          placeholder="Details (optional)"
          name={description.name}
          value={description.value}
          onChange={description.onChange}
        />
        <button type="submit" className="btn btn-primary" disabled={form.pending}>
          Add
        </button>
      </div>
      {title.errors.length > 0 && (
        <ul id="new-todo-errors" className="field-errors">
          {title.errors.map((m) => (
            <li key={m}>{m}</li>
          ))}
        </ul>
      )}
      <FormErrors messages={form.general} />
    </form>
  );
}

export function TodosPage() {
  const [filter, setFilter] = useState<Filter>('all');
  const [search, setSearch] = useState('');
  const [ordering, setOrdering] = useState<TodoOrdering>('-created_at');
  const [page, setPage] = useState(1);
  const debouncedSearch = useDebounced(search.trim(), 300);
  const userId = useSessionUserId();

  const todos = useTodos({
    completed: COMPLETED[filter],
    search: debouncedSearch || undefined,
    ordering,
    page,
    page_size: PAGE_SIZE,
  });
  const counts: Record<Filter, ReturnType<typeof useTodoCount>> = {
    all: useTodoCount(),
    active: useTodoCount(false),
    done: useTodoCount(true),
  };

  // A filter change starts again from page 1.
  const choose = (f: Filter) => {
    setFilter(f);
    setPage(1);
  };

  const data = todos.data;
  const storageKey = draftKey('todo', userId);
  return (
    <main className="page">
      <h1>Your todos</h1>
      <NewTodoForm key={storageKey} storageKey={storageKey} />
      <div className="toolbar">
        <div className="tabs" role="group" aria-label="Filter">
          {(['all', 'active', 'done'] as const).map((f) => (
            <button
              key={f}
              type="button"
              className="tab"
              aria-pressed={filter === f}
              onClick={() => choose(f)}
            >
              {f === 'all' ? 'All' : f === 'active' ? 'Active' : 'Done'}
              <span className="count" data-testid={`count-${f}`}>
                {counts[f].data ?? '·'}
              </span>
            </button>
          ))}
        </div>
        <input
          type="search"
          aria-label="Search todos"
          placeholder="Search titles…"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(1);
          }}
        />
        <select
          aria-label="Order"
          value={ordering}
          onChange={(e) => setOrdering(e.target.value as TodoOrdering)}
        >
          <option value="-created_at">Newest first</option>
          <option value="created_at">Oldest first</option>
          <option value="title">By title</option>
        </select>
      </div>
      <ErrorMessage error={todos.error} />
      {todos.isPending && <p className="muted">Loading…</p>}
      {data && data.results.length === 0 && (
        <p className="empty">
          {debouncedSearch || filter !== 'all'
            ? 'No matching todos.'
            : 'Nothing to do yet. Add your first todo above.'}
        </p>
      )}
      {data && data.results.length > 0 && (
        <ul className={`todos${todos.isPlaceholderData ? ' stale' : ''}`} aria-label="Todos">
          {data.results.map((todo) => (
            <TodoItem key={todo.id} todo={todo} />
          ))}
        </ul>
      )}
      <Pager page={page} pageSize={PAGE_SIZE} list={data} onPage={setPage} />
    </main>
  );
}
