import Bowser from 'bowser';

/** Local date and time for API timestamps (ISO 8601); "—" when absent or unreadable. */
export function formatDateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toLocaleString();
}

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

/** "2 hours ago", "in 6 days", "just now"; "—" when absent or unreadable. */
export function formatRelative(
  value: string | null | undefined,
  now: number = Date.now(),
  locale?: string,
): string {
  if (!value) return '—';
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return value;
  const seconds = Math.round((time - now) / 1000);
  if (Math.abs(seconds) < 45) return 'just now';
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size * 0.9 || unit === 'minute') {
      return format.format(Math.round(seconds / size), unit);
    }
  }
  return 'just now';
}

/**
 * A readable device from a User-Agent, e.g. "Chrome on Linux" or "Safari on iOS", parsed by
 * bowser; "" when nothing is recognised (the raw string is then all we have). The one place
 * that turns a User-Agent into words: the sessions list describes every device with it, and
 * the sign-in form names this browser with it when the user leaves the name empty.
 */
export function describeUserAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return '';
  const parsed = Bowser.parse(userAgent);
  const browser = parsed.browser.name ?? '';
  const os = parsed.os.name ?? '';
  if (browser && os) return `${browser} on ${os}`;
  return browser || os;
}

/**
 * How "Your sessions" shows a device: its `name` (the one given at sign-in or by a rename, else
 * the one its User-Agent reads as) and a `detail` line with what the User-Agent reads as, left
 * out (null) when that only repeats the name. The raw User-Agent shows only when nothing in it
 * is recognised, for named and unnamed devices alike.
 */
export function describeSession(session: { device_name: string; user_agent: string }): {
  name: string;
  detail: string | null;
} {
  const device = describeUserAgent(session.user_agent);
  const name = session.device_name.trim() || device || 'Unknown device';
  const detail = device || session.user_agent.trim() || 'Unknown browser';
  return { name, detail: detail === name ? null : detail };
}
