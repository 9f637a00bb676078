import { useEffect } from 'react';
import { NotFoundError } from '../api/errors';

/**
 * Whether page `page` of a list no longer exists: the API answers 404 for a page past the last,
 * which is what the last page becomes when its last item goes (deleted, signed out). Meanwhile it
 * steps back a page, so that the list shows the page before instead of the API's error.
 */
export function usePageGone(page: number, setPage: (page: number) => void, error: unknown): boolean {
  const gone = page > 1 && error instanceof NotFoundError;
  useEffect(() => {
    if (gone) setPage(page - 1);
  }, [gone, page, setPage]);
  return gone;
}
