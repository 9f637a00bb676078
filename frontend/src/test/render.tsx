import type { ReactNode } from 'react';
import { cleanup } from '@testing-library/react';
import { afterEach, beforeEach } from 'vitest';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';

/** A fresh QueryClient without retries (tests assert exact request counts) and its wrapper. */
export function createTestQueryClient() {
  const queryClient = new QueryClient({
    defaultOptions: { queries: { retry: false, gcTime: Infinity }, mutations: { retry: false } },
  });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <QueryClientProvider client={queryClient}>{children}</QueryClientProvider>
  );
  return { queryClient, wrapper };
}

/** Give every test of the file a clean page: no stored tokens, no route, nothing rendered. */
export function startEachTestOnACleanPage() {
  beforeEach(() => {
    localStorage.clear();
    window.location.hash = '';
  });
  afterEach(() => {
    cleanup();
    localStorage.clear();
    window.history.replaceState(null, '', '/');
  });
}
