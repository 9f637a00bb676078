import { describe, expect, it } from 'vitest';
import { currentFirst } from '../pages/SessionsPage';
import type { Session } from '../api/types/auth';
import { describeUserAgent, formatRelative } from './format';

const NOW = Date.parse('2026-03-10T12:00:00Z');

describe('formatRelative', () => {
  it('says how long ago or how far ahead, in words', () => {
    expect(formatRelative('2026-03-10T11:59:50Z', NOW, 'en')).toBe('just now');
    expect(formatRelative('2026-03-10T11:55:00Z', NOW, 'en')).toBe('5 minutes ago');
    expect(formatRelative('2026-03-10T10:00:00Z', NOW, 'en')).toBe('2 hours ago');
    expect(formatRelative('2026-03-09T12:00:00Z', NOW, 'en')).toBe('yesterday');
    expect(formatRelative('2026-03-16T12:00:00Z', NOW, 'en')).toBe('in 6 days');
    expect(formatRelative(null, NOW)).toBe('—');
    expect(formatRelative('not a date', NOW)).toBe('not a date');
  });
});

describe('describeUserAgent', () => {
  it('names the browser and the system', () => {
    expect(
      describeUserAgent(
        'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
      ),
    ).toBe('Chrome on Linux');
    expect(
      describeUserAgent(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(describeUserAgent('')).toBe('');
    expect(describeUserAgent('curl/8.5.0')).toBe(''); // unknown: the page shows the raw string
  });
});

describe('currentFirst', () => {
  it('pins the current device first and keeps the others in order', () => {
    const s = (id: string, current = false) => ({ id, current }) as Session;
    expect(currentFirst([s('a'), s('b'), s('c', true)]).map((x) => x.id)).toEqual(['c', 'a', 'b']);
  });
});
