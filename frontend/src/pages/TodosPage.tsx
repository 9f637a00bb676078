import { useState, type FormEvent } from 'react';
import { useCreateTodo, useTodoCount, useTodos } from '../api/resources/todos/hooks';
import { ErrorMessage, fieldMessages } from '../components/ErrorMessage';
import { Pager } from '../components/Pager';
import { useDebounced } from '../hooks/useDebounced';
import type { TodoOrdering } from '../api/types/todo';
import { TodoItem } from './TodoItem';

const PAGE_SIZE = 20;
type Filter = 'all' | 'active' | 'done';
const COMPLETED: Record<Filter, boolean | undefined> = { all: undefined, active: false, done: true };

function NewTodoForm() {
  const create = useCreateTodo();
  const [title, setTitle] = useState('');
  const [description, setDescription] = useState('');

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (!title.trim()) return;
    create.mutate(
      { title: title.trim(), description: description.trim() },
      { onSuccess: () => { setTitle(''); setDescription(''); } },
    );
  }

  const titleErrors = fieldMessages(create.error, 'title');
  return (
    <form className="card new-todo" onSubmit={onSubmit}>
      <div className="row">
        <input aria-label="New todo" placeholder="What needs doing?" value={title} maxLength={200}
          onChange={(e) => setTitle(e.target.value)} />
        <input aria-label="New todo description" placeholder="Details (optional)" value={description}
          onChange={(e) => setDescription(e.target.value)} />
        <button type="submit" className="btn btn-primary" disabled={create.isPending || !title.trim()}>
          Add
        </button>
      </div>
      {titleErrors.map((m) => <small key={m} className="field-error">{m}</small>)}
      <ErrorMessage error={titleErrors.length ? null : create.error} />
    </form>
  );
}

export function TodosPage() {
  const [filter, setFilter] = useState<Filter>('all');
  const [search, setSearch] = useState('');
  const [ordering, setOrdering] = useState<TodoOrdering>('-created_at');
  const [page, setPage] = useState(1);
  const debouncedSearch = useDebounced(search.trim(), 300);

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
  const choose = (f: Filter) => { setFilter(f); setPage(1); };

  const data = todos.data;
  return (
    <main className="page">
      <h1>Your todos</h1>
      <NewTodoForm />
      <div className="toolbar">
        <div className="tabs" role="group" aria-label="Filter">
          {(['all', 'active', 'done'] as const).map((f) => (
            <button key={f} type="button" className="tab" aria-pressed={filter === f} onClick={() => choose(f)}>
              {f === 'all' ? 'All' : f === 'active' ? 'Active' : 'Done'}
              <span className="count" data-testid={`count-${f}`}>{counts[f].data ?? '·'}</span>
            </button>
          ))}
        </div>
        <input type="search" aria-label="Search todos" placeholder="Search titles…" value={search}
          onChange={(e) => { setSearch(e.target.value); setPage(1); }} />
        <select aria-label="Order" value={ordering} onChange={(e) => setOrdering(e.target.value as TodoOrdering)}>
          <option value="-created_at">Newest first</option>
          <option value="created_at">Oldest first</option>
          <option value="title">By title</option>
        </select>
      </div>
      <ErrorMessage error={todos.error} />
      {todos.isPending && <p className="muted">Loading…</p>}
      {data && data.results.length === 0 && (
        <p className="empty">{debouncedSearch || filter !== 'all' ? 'No matching todos.' : 'Nothing to do yet. Add your first todo above.'}</p>
      )}
      {data && data.results.length > 0 && (
        <ul className={`todos${todos.isPlaceholderData ? ' stale' : ''}`} aria-label="Todos">
          {data.results.map((todo) => <TodoItem key={todo.id} todo={todo} />)}
        </ul>
      )}
      {data && (
        <Pager page={page} count={data.count} pageSize={PAGE_SIZE} hasNext={!!data.next}
          hasPrevious={!!data.previous} onPage={setPage} />
      )}
    </main>
  );
}
