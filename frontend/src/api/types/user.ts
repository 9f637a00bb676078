export interface User {
  id: number;
  email: string;
  first_name: string;
  last_name: string;
}

/** Only the names are editable through PATCH /api/users/me/ (not email, password, is_staff). */
export interface UserUpdate {
  first_name?: string;
  last_name?: string;
}
