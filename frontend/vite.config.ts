import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Django serves dist/index.html at "/" and the bundle under "/assets/", under a strict CSP
// (script-src 'self'; style-src 'self'), so the build must not emit inline scripts or styles.
// For `npm run dev`, /api is proxied to a local Django (same origin, no CORS needed);
// set VITE_API_BASE_URL instead to talk to another origin through CORS.
const apiTarget = process.env.VITE_PROXY_TARGET ?? 'http://127.0.0.1:8000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    // Never turn assets into data: URIs inside the CSS/JS; keep every asset a same-origin file.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': { target: apiTarget, changeOrigin: false } },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
  },
});
