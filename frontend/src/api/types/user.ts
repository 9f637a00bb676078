/** User types: thin names over the generated schema types. */
import type { Schemas } from './common';

export type User = Schemas['User'];
/** The user embedded in a token response. */
export type UserBrief = Schemas['UserBrief'];
/** Only the names are editable through PATCH /api/users/me/ (not email, password, is_staff). */
export type UserUpdate = Schemas['PatchedUserProfileUpdateRequest'];
