/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** Origin of the Django API, e.g. "http://127.0.0.1:8000". Empty means same origin. */
  readonly VITE_API_BASE_URL?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
