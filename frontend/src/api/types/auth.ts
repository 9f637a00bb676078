import type { User } from './user';

/** The two JWTs the client keeps in localStorage. */
export interface TokenPair {
  access: string;
  refresh: string;
}

/** Body of POST /api/auth/refresh/ (200). */
export interface RefreshResponse extends TokenPair {
  token_type: 'Bearer';
  /** Access token lifetime, seconds. */
  expires_in: number;
  /** Seconds until the refresh token expires. */
  refresh_expires_in: number;
}

/** Body of login (200), register (201) and password change (200): a new session. */
export interface TokenResponse extends RefreshResponse {
  session: { id: number | string; device_name: string };
  user: User;
}

export interface LoginRequest {
  email: string;
  password: string;
  device_name?: string;
}

export interface RegisterRequest extends LoginRequest {
  first_name?: string;
  last_name?: string;
}

export interface PasswordChangeRequest {
  current_password: string;
  new_password: string;
}

/** One item of GET /api/auth/sessions/: a device login. */
export interface Session {
  id: number | string;
  device_name: string;
  user_agent: string;
  ip_address: string | null;
  created_at: string;
  last_used_at: string | null;
  expires_at: string;
  /** True for the session the calling access token belongs to. */
  current: boolean;
}
