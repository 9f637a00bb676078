import { formatDateTime, formatRelative } from './format';

/** A time as "2 hours ago", the exact local time on hover; a dash when there is none. */
export function When({ value }: { value: string | null | undefined }) {
  if (!value) return <>—</>;
  return (
    <time dateTime={value} title={formatDateTime(value)}>
      {formatRelative(value)}
    </time>
  );
}
