import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { QueryClientProvider } from '@tanstack/react-query';
import { App } from './App';
import { adoptResetLink } from './hooks/useHashRoute';
import { createQueryClient } from './queryClient';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

adoptResetLink();
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={createQueryClient()}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
