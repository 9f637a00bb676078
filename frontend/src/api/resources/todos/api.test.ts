import { beforeEach, describe, expect, it } from 'vitest';
import { installFetch, jsonResponse, makeJwt, storeTokens } from '../../../test/helpers';
import { createTodo, deleteTodo, listTodos, replaceTodo, updateTodo } from './api';

beforeEach(() => {
  storeTokens(makeJwt('access', 300), makeJwt('refresh', 3600));
});

describe('todos api', () => {
  it('lists with filters, search, ordering and paging as query parameters', async () => {
    const api = installFetch(() => jsonResponse(200, { count: 0, next: null, previous: null, results: [] }));
    await listTodos({ completed: true, search: '  milk ', ordering: 'title', page: 2, page_size: 5 });
    expect(api.calls[0]?.path).toBe('/api/todos/');
    expect(Object.fromEntries(new URLSearchParams(api.calls[0]?.search))).toEqual({
      completed: 'true',
      search: 'milk',
      ordering: 'title',
      page: '2',
      page_size: '5',
    });
  });

  it('creates, patches, replaces and deletes', async () => {
    const todo = { id: 4, title: 't', description: '', completed: false, created_at: '', updated_at: '' };
    const api = installFetch((call) =>
      jsonResponse(
        call.method === 'DELETE' ? 204 : call.method === 'POST' ? 201 : 200,
        call.method === 'DELETE' ? undefined : todo,
      ),
    );
    await createTodo({ title: 't' });
    await updateTodo(4, { completed: true });
    await replaceTodo(4, { title: 't', description: 'd', completed: false });
    await deleteTodo(4);
    expect(api.calls.map((c) => `${c.method} ${c.path} ${c.body ?? ''}`)).toEqual([
      'POST /api/todos/ {"title":"t"}',
      'PATCH /api/todos/4/ {"completed":true}',
      'PUT /api/todos/4/ {"title":"t","description":"d","completed":false}',
      'DELETE /api/todos/4/ ',
    ]);
  });
});
