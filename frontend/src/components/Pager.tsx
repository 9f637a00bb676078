interface Props {
  page: number;
  count: number;
  pageSize: number;
  hasNext: boolean;
  hasPrevious: boolean;
  onPage: (page: number) => void;
}

export function Pager({ page, count, pageSize, hasNext, hasPrevious, onPage }: Props) {
  const pages = Math.max(1, Math.ceil(count / pageSize));
  if (pages <= 1) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" className="btn" disabled={!hasPrevious} onClick={() => onPage(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" className="btn" disabled={!hasNext} onClick={() => onPage(page + 1)}>
        Next
      </button>
    </nav>
  );
}
