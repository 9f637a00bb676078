import type { Paginated } from '../api/types/common';

interface Props {
  page: number;
  pageSize: number;
  /** The current page of the list as the server answered it; nothing is shown until there is one. */
  list: Pick<Paginated<unknown>, 'count' | 'next' | 'previous'> | undefined;
  onPage: (page: number) => void;
}

/**
 * Previous and Next. At either end the button is `aria-disabled`, not `disabled`: "Next" pressed
 * on the way to the last page keeps the focus instead of dropping it on <body>.
 */
export function Pager({ page, pageSize, list, onPage }: Props) {
  if (!list) return null;
  const pages = Math.max(1, Math.ceil(list.count / pageSize));
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button
        type="button"
        className="btn"
        aria-disabled={!list.previous || undefined}
        onClick={() => list.previous && onPage(page - 1)}
      >
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button
        type="button"
        className="btn"
        aria-disabled={!list.next || undefined}
        onClick={() => list.next && onPage(page + 1)}
      >
        Next
      </button>
    </nav>
  );
}
