import { useEffect, useMemo, useState } from 'react';
import { useSessionUserId } from '../api/resources/auth/hooks';
import { useCreateTodo, useTodoCount, useTodos } from '../api/resources/todos/hooks';
import type { TodoOrdering } from '../api/types/todo';
import { ErrorMessage } from '../components/ErrorMessage';
import { usePageGone } from '../hooks/usePageGone';
import { CharCount, FieldErrors, FormErrors, showsCount, SubmitButton } from '../components/Field';
import { Pager } from '../components/Pager';
import { DESCRIPTION_MAX, TITLE_MAX, TodoItem } from '../components/TodoItem';
import { required, useForm, type FieldBinding } from '../components/useForm';
import { useDebounced } from '../hooks/useDebounced';
import { draftKey, readDraft, writeDraft } from '../hooks/useDraft';
import { useRemovalFocus } from '../hooks/useRemovalFocus';

const PAGE_SIZE = 20;
type Filter = 'all' | 'active' | 'done';
const COMPLETED: Record<Filter, boolean | undefined> = { all: undefined, active: false, done: true };
const EMPTY_TODO = { title: '', description: '' };
/** The new todo's title field: where the focus goes when the last todo of the list is removed. */
const NEW_TODO_ID = 'new-todo-title';

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
    form.reset(EMPTY_TODO, v); // the next todo, typed while this one was saved, stays
  });

  return (
    <form className="card new-todo" onSubmit={onSubmit} noValidate>
      <div className="row">
        <InlineField
          id={NEW_TODO_ID}
          label="New todo"
          placeholder="What needs doing?"
          maxLength={TITLE_MAX}
          binding={form.field('title')}
        />
        <InlineField
          id="new-todo-description"
          label="New todo description"
          placeholder="Details (optional)"
          maxLength={DESCRIPTION_MAX}
          binding={form.field('description')}
        />
        <SubmitButton pending={form.pending} label="Add" pendingLabel="Adding…" className="btn btn-primary" />
      </div>
      <FormErrors messages={form.general} />
    </form>
  );
}

/** An input of the one-line new-todo form: named by `aria-label`, its counter and messages under it. */
function InlineField({
  id,
  label,
  placeholder,
  maxLength,
  binding,
}: {
  id: string;
  label: string;
  placeholder: string;
  maxLength: number;
  binding: FieldBinding;
}) {
  const { errors, ...bound } = binding;
  const describedBy = [
    showsCount(bound.value.length, maxLength) ? `${id}-count` : '',
    errors.length ? `${id}-errors` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <div className="inline-field">
      <input
        id={id}
        aria-label={label}
        placeholder={placeholder}
        maxLength={maxLength}
        {...bound}
        aria-invalid={errors.length > 0 ? true : undefined}
        aria-describedby={describedBy || undefined}
      />
      <CharCount id={`${id}-count`} length={bound.value.length} max={maxLength} />
      <FieldErrors id={`${id}-errors`} messages={errors} />
    </div>
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
  const pageGone = usePageGone(page, setPage, todos.error);
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
  const ids = useMemo(() => data?.results.map((todo) => todo.id), [data]);
  const focusProps = useRemovalFocus(ids, JSON.stringify([filter, debouncedSearch, ordering, page]), () =>
    document.getElementById(NEW_TODO_ID)?.focus(),
  );
  const completedFilter = COMPLETED[filter];
  return (
    <main className="page">
      <h1 tabIndex={-1}>Your todos</h1>
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
      <ErrorMessage error={pageGone ? null : todos.error} />
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
            <TodoItem
              key={todo.id}
              todo={todo}
              {...focusProps(todo.id)}
              listShows={(completed) => completedFilter === undefined || completedFilter === completed}
            />
          ))}
        </ul>
      )}
      <Pager page={page} pageSize={PAGE_SIZE} list={data} onPage={setPage} />
    </main>
  );
}
