/**
 * Shared API types. The shapes come from the generated `schema.gen.ts` (openapi-typescript,
 * from the server's OpenAPI schema); the files in this folder only give them short names.
 */
import type { components, operations } from './schema.gen';

/** Every schema component by name, e.g. `Schemas['Todo']`. */
export type Schemas = components['schemas'];

/** Every list endpoint (todos, users, sessions) answers with DRF page-number pagination. */
export interface Paginated<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** `?page=` and `?page_size=`, as every list endpoint takes them. */
export type PageParams = Pick<
  NonNullable<operations['auth_sessions_list']['parameters']['query']>,
  'page' | 'page_size'
>;
