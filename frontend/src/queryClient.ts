import { QueryClient } from '@tanstack/react-query';
import { ApiError, NetworkError } from './api/client';

/**
 * Retry only what a retry can fix: a dropped connection or a 5xx. A 4xx (401 after a failed
 * refresh, 404, 400...) will not change by asking again.
 */
export function shouldRetry(failureCount: number, error: unknown): boolean {
  if (failureCount >= 2) return false;
  if (error instanceof NetworkError) return true;
  return error instanceof ApiError && error.status >= 500;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 5_000 },
      mutations: { retry: false },
    },
  });
}
