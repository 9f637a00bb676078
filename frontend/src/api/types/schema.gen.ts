/**
 * Generated from the API's OpenAPI schema by scripts/api-types.mjs (openapi-typescript).
 * Do not edit: change the server, then run `npm run api-types`. CI fails when this file is stale.
 */

export interface paths {
    "/.well-known/jwks.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * JSON Web Key Set of the token-signing keys
         * @description The public keys (active and fallbacks) that verify this server's tokens, each named by the `kid` of the tokens it signed. Cacheable for `JWKS_MAX_AGE_SECONDS`; a verifier that meets an unknown `kid` should fetch the set again before refusing the token.
         */
        get: operations["jwks_retrieve"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/login/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log in: a new session for this device
         * @description Exchange an email and password for a new session on this device: an access token for the other endpoints and a refresh token for `/api/auth/refresh/`. Every login starts its own session, listed by `/api/auth/sessions/`; `device_name` names it there (derived from the User-Agent when left out).
         *
         *     An unknown email and a wrong password get the same 401, so the answer never tells whether an account exists. Attempts are throttled per client IP (429 with `Retry-After`).
         *
         *     When the account has `SESSION_MAX_PER_USER` live sessions already, the least recently used are revoked (`SESSION_LIMIT_POLICY=evict_oldest`) or the login gets 409 `session_limit` (`deny`).
         */
        post: operations["auth_login_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log out: revoke this session
         * @description Send the access or the refresh token as `Authorization: Bearer <token>` (`DPoP <token>` and a `DPoP` proof for a session bound to a key).
         */
        post: operations["auth_logout_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout-all/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log out everywhere: revoke every session */
        post: operations["auth_logout_all_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/logout-others/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Log out every other device: revoke every session but this one */
        post: operations["auth_logout_others_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/passkeys/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the caller's passkeys */
        get: operations["auth_passkeys_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/passkeys/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Remove one of the caller's passkeys */
        delete: operations["auth_passkeys_destroy"];
        options?: never;
        head?: never;
        /** Rename one of the caller's passkeys */
        patch: operations["auth_passkeys_partial_update"];
        trace?: never;
    };
    "/api/auth/passkeys/login/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Log in with a passkey: a new session for this device
         * @description The assertion to the login options' challenge. Every failure (unknown credential, bad signature, challenge unknown, used or expired, wrong origin or rp id, user not verified, counter gone backwards, userHandle not the owner's, inactive user) is the same 401.
         */
        post: operations["auth_passkeys_login_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/passkeys/login/options/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start a passkey login: request options for any discoverable passkey */
        post: operations["auth_passkeys_login_options_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/passkeys/register/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Add a passkey: the attestation to the creation options' challenge
         * @description 400 codes: `challenge_invalid` (not issued to this user for a registration, used, or older than `WEBAUTHN_CHALLENGE_SECONDS`), `passkey_invalid` (origin not in `WEBAUTHN_ORIGINS`, rp id hash, user not verified, bad attestation), `credential_exists`, `malformed`.
         */
        post: operations["auth_passkeys_register_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/passkeys/register/options/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Start adding a passkey: creation options */
        post: operations["auth_passkeys_register_options_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/password/change/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Change the password
         * @description Every earlier session is revoked; the answer holds a new session for this device.
         */
        post: operations["auth_password_change_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/password/reset/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Ask for a password-reset link by mail
         * @description The answer is the same whether or not the address belongs to an account; an active account gets a mail with a single-use link: `PASSWORD_RESET_URL` (unset: the web client's reset page at this origin) with `uid` and `token` after its `#`, which no server receives. Throttled per client IP and per address.
         */
        post: operations["auth_password_reset_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/password/reset/confirm/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Set a new password with a reset link
         * @description `uid` and `token` come from the link's fragment (after its `#`). Every session of the account is revoked, and the link stops working. 400 for a link that is invalid, used or expired (on `token`) and for a password Django's validators reject (on `new_password`).
         */
        post: operations["auth_password_reset_confirm_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/reauthenticate/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Authenticate again: a fresh access token of this session
         * @description With `password`, or with `credential`: an assertion to a challenge of `/api/auth/passkeys/login/options/` by one of the caller's passkeys. The answer is an access token of the same session with a fresh `auth_time`; the session's next refreshes keep it. 400 `reauthentication_failed` for a wrong password or assertion.
         */
        post: operations["auth_reauthenticate_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/refresh/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Rotate the refresh token
         * @description Send the refresh token as `Authorization: Bearer <refresh>` and no body. The answer is a new pair; the old refresh token stops working, and presenting it again revokes the session. A session bound to a key: `Authorization: DPoP <refresh>` and a `DPoP` proof.
         */
        post: operations["auth_refresh_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/register/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Register and log in
         * @description Create an account and log it in on this device: the answer is the same as a login's. The password must pass the server's password validators (400 with the reasons otherwise).
         */
        post: operations["auth_register_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/sessions/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the caller's live sessions */
        get: operations["auth_sessions_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/auth/sessions/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke one of the caller's sessions */
        delete: operations["auth_sessions_destroy"];
        options?: never;
        head?: never;
        /** Rename one of the caller's sessions */
        patch: operations["auth_sessions_partial_update"];
        trace?: never;
    };
    "/api/health/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Health check
         * @description 200 while the database answers (`degraded` while a configured Redis does not: everything still works, from the database); 503 with `Retry-After` while the database does not.
         */
        get: operations["health_retrieve"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/todos/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the caller's todos
         * @description CRUD on the caller's todos; another user's todo is 404, as if it did not exist.
         */
        get: operations["todos_list"];
        put?: never;
        /**
         * Create a todo
         * @description CRUD on the caller's todos; another user's todo is 404, as if it did not exist.
         */
        post: operations["todos_create"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/todos/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get one of the caller's todos
         * @description CRUD on the caller's todos; another user's todo is 404, as if it did not exist.
         */
        get: operations["todos_retrieve"];
        /**
         * Replace a todo
         * @description CRUD on the caller's todos; another user's todo is 404, as if it did not exist.
         */
        put: operations["todos_update"];
        post?: never;
        /**
         * Delete a todo
         * @description CRUD on the caller's todos; another user's todo is 404, as if it did not exist.
         */
        delete: operations["todos_destroy"];
        options?: never;
        head?: never;
        /**
         * Change some fields of a todo
         * @description CRUD on the caller's todos; another user's todo is 404, as if it did not exist.
         */
        patch: operations["todos_partial_update"];
        trace?: never;
    };
    "/api/users/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List the users the caller may see
         * @description Staff see every user; anyone else gets a list of one: themself.
         */
        get: operations["users_list"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users/{id}/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get one user
         * @description Staff see every user; anyone else only themself (another id is 404).
         */
        get: operations["users_retrieve"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/users/me/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get the caller's user
         * @description The caller's own user.
         */
        get: operations["users_me_retrieve"];
        put?: never;
        post?: never;
        /**
         * Delete the caller's account
         * @description The account goes with its sessions, passkeys and todos; every token of it is refused at once. A security event without the email stays for the admins.
         */
        delete: operations["users_me_destroy"];
        options?: never;
        head?: never;
        /**
         * Change the caller's profile
         * @description Only `first_name` and `last_name` can change here: `email`, `password`, `is_staff`, `is_superuser` and `is_active` in the body are refused with 400.
         */
        patch: operations["users_me_partial_update"];
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        AccessToken: {
            access: string;
            token_type: components["schemas"]["TokenTypeEnum"];
            expires_in: number;
        };
        /**
         * @description * `ok` - ok
         *     * `unavailable` - unavailable
         * @enum {string}
         */
        DatabaseEnum: "ok" | "unavailable";
        DeviceSession: {
            /** Format: uuid */
            readonly id: string;
            readonly device_name: string;
            readonly user_agent: string;
            readonly ip_address: string | null;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly last_used_at: string;
            /**
             * Format: date-time
             * @description When the live refresh token expires (idle expiry).
             */
            readonly expires_at: string;
            readonly current: boolean;
        };
        /**
         * @description Every error that is not about fields: 401, 403, 404, 405, 415, 429, 503.
         *
         *     A 401 for a token whose session has ended also carries ``reason`` when the server knows
         *     it: ``logout``, ``logout_all``, ``session_deleted``, ``password_changed``, ``reuse_detected``,
         *     ``user_deactivated``, ``admin``, ``command`` or ``session_expired``.
         */
        Error: {
            detail: string;
            /** @description A stable machine-readable word, e.g. `token_not_valid`. */
            code: string;
        };
        Health: {
            status: components["schemas"]["StatusEnum"];
            database: components["schemas"]["DatabaseEnum"];
            redis: components["schemas"]["RedisEnum"];
        };
        LoginRequest: {
            email: string;
            password: string;
            /** @description The device's name, as the sessions list shows it: one line of at most 100 characters, without control characters (U+0000-U+001F, U+007F-U+009F), line separators (U+2028, U+2029) or bidirectional formatting (U+202A-U+202E, U+2066-U+2069), which get 400. */
            device_name?: string;
        };
        Options: {
            /** @description PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON: pass it to `PublicKeyCredential.parseCreationOptionsFromJSON` / `parseRequestOptionsFromJSON`. */
            publicKey: {
                [key: string]: unknown;
            };
        };
        PaginatedDeviceSessionList: {
            /** @example 123 */
            count: number;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=4
             */
            next?: string | null;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=2
             */
            previous?: string | null;
            results: components["schemas"]["DeviceSession"][];
        };
        PaginatedPasskeyList: {
            /** @example 123 */
            count: number;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=4
             */
            next?: string | null;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=2
             */
            previous?: string | null;
            results: components["schemas"]["Passkey"][];
        };
        PaginatedTodoList: {
            /** @example 123 */
            count: number;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=4
             */
            next?: string | null;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=2
             */
            previous?: string | null;
            results: components["schemas"]["Todo"][];
        };
        PaginatedUserList: {
            /** @example 123 */
            count: number;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=4
             */
            next?: string | null;
            /**
             * Format: uri
             * @example http://api.example.org/accounts/?page=2
             */
            previous?: string | null;
            results: components["schemas"]["User"][];
        };
        Passkey: {
            readonly id: number;
            readonly name: string;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly last_used_at: string | null;
        };
        PasskeyLoginRequest: {
            /** @description The credential as `PublicKeyCredential.toJSON()` gives it (RegistrationResponseJSON or AuthenticationResponseJSON, base64url without padding). */
            credential: {
                [key: string]: unknown;
            };
            /** @description The device's name, as the sessions list shows it: one line of at most 100 characters, without control characters (U+0000-U+001F, U+007F-U+009F), line separators (U+2028, U+2029) or bidirectional formatting (U+202A-U+202E, U+2066-U+2069), which get 400. */
            device_name?: string;
        };
        PasskeyRegisterRequest: {
            /** @description The credential as `PublicKeyCredential.toJSON()` gives it (RegistrationResponseJSON or AuthenticationResponseJSON, base64url without padding). */
            credential: {
                [key: string]: unknown;
            };
            /** @description One line of at most 100 characters, without control or bidi characters. */
            name?: string;
        };
        PasswordChangeRequest: {
            current_password: string;
            new_password: string;
            /** @description A new name for this device's new session; left out or blank, it keeps the current session's. The same rule as at login: one line of at most 100 characters, no control or bidirectional formatting character. */
            device_name?: string;
        };
        /** @description The answer to a reset request: the same whether or not the address has an account. */
        PasswordResetAccepted: {
            detail: string;
            /** @description True on a development server (`DJANGO_DEBUG` with console mail): no mail is sent, it is printed where the server runs (the `make run` terminal). Depends on the configuration only. */
            console_mail: boolean;
        };
        PasswordResetConfirmRequest: {
            /** @description `uid` of the reset link. */
            uid: string;
            /** @description `token` of the reset link. */
            token: string;
            new_password: string;
        };
        PasswordResetRequestRequest: {
            /** Format: email */
            email: string;
        };
        PatchedPasskeyRenameRequest: {
            /** @description One line of at most 100 characters, without control or bidi characters. */
            name?: string;
        };
        PatchedSessionRenameRequest: {
            /** @description The device's name, as the sessions list shows it: one line of at most 100 characters, without control characters (U+0000-U+001F, U+007F-U+009F), line separators (U+2028, U+2029) or bidirectional formatting (U+202A-U+202E, U+2066-U+2069), which get 400. */
            device_name: string;
        };
        PatchedTodoRequest: {
            title?: string;
            /** @description Left out: `""`. */
            description?: string;
            /** @description Left out: `false`. */
            completed?: boolean;
        };
        /**
         * @description A partial update of the caller's profile; a protected field in the body is a 400.
         *
         *     A name is one line: a control character, a line separator or a bidirectional override gets 400.
         */
        PatchedUserProfileUpdateRequest: {
            first_name?: string;
            last_name?: string;
        };
        ReauthenticateRequest: {
            password?: string;
            /** @description The credential as `PublicKeyCredential.toJSON()` gives it (RegistrationResponseJSON or AuthenticationResponseJSON, base64url without padding). */
            credential?: {
                [key: string]: unknown;
            };
        };
        /**
         * @description * `ok` - ok
         *     * `unavailable` - unavailable
         *     * `not_configured` - not_configured
         * @enum {string}
         */
        RedisEnum: "ok" | "unavailable" | "not_configured";
        RegisterRequest: {
            /** Format: email */
            email: string;
            password: string;
            /** @description The device's name, as the sessions list shows it: one line of at most 100 characters, without control characters (U+0000-U+001F, U+007F-U+009F), line separators (U+2028, U+2029) or bidirectional formatting (U+202A-U+202E, U+2066-U+2069), which get 400. */
            device_name?: string;
            first_name?: string;
            last_name?: string;
        };
        SessionBrief: {
            /** Format: uuid */
            id: string;
            device_name: string;
        };
        /**
         * @description * `ok` - ok
         *     * `degraded` - degraded
         *     * `unavailable` - unavailable
         * @enum {string}
         */
        StatusEnum: "ok" | "degraded" | "unavailable";
        Todo: {
            readonly id: number;
            title: string;
            /** @default  */
            description: string;
            /** @default false */
            completed: boolean;
            /** Format: date-time */
            readonly created_at: string;
            /** Format: date-time */
            readonly updated_at: string;
        };
        TodoRequest: {
            title: string;
            /** @description Left out: `""`. */
            description?: string;
            /** @description Left out: `false`. */
            completed?: boolean;
        };
        /** @description The refresh endpoint's response. */
        TokenPair: {
            access: string;
            refresh: string;
            /** @default Bearer */
            token_type: string;
            /** @description Seconds until the access token expires. */
            expires_in: number;
            /** @description Seconds until the refresh token expires. */
            refresh_expires_in: number;
        };
        /** @description The response of login, register and password change. */
        TokenResponse: {
            access: string;
            refresh: string;
            /** @default Bearer */
            token_type: string;
            /** @description Seconds until the access token expires. */
            expires_in: number;
            /** @description Seconds until the refresh token expires. */
            refresh_expires_in: number;
            session: components["schemas"]["SessionBrief"];
            user: components["schemas"]["UserBrief"];
        };
        /**
         * @description * `Bearer` - Bearer
         *     * `DPoP` - DPoP
         * @enum {string}
         */
        TokenTypeEnum: "Bearer" | "DPoP";
        User: {
            readonly id: number;
            /**
             * Email address
             * Format: email
             */
            readonly email: string;
            readonly first_name: string;
            readonly last_name: string;
            /** Format: date-time */
            readonly date_joined: string;
            /** @description Can log into the admin site. */
            readonly is_staff: boolean;
        };
        UserBrief: {
            id: number;
            /** Format: email */
            email: string;
            first_name: string;
            last_name: string;
        };
        /** @description `{field: [messages]}`, with `non_field_errors` for the body as a whole; a body that is not JSON gets `{detail, code}`. */
        ValidationError: {
            [key: string]: unknown;
        };
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    jwks_retrieve: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description RFC 7517 JWK Set */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": {
                        /** @description Empty when tokens are signed with an HMAC secret (HS256), never published. */
                        keys: {
                            /** @enum {string} */
                            kty: "RSA" | "EC" | "OKP";
                            /** @description RFC 7638 thumbprint; the `kid` of tokens. */
                            kid: string;
                            /** @enum {string} */
                            alg: "RS256" | "ES256" | "EdDSA";
                            /** @enum {string} */
                            use: "sig";
                            n?: string;
                            e?: string;
                            crv?: string;
                            x?: string;
                            y?: string;
                        }[];
                    };
                };
            };
        };
    };
    auth_login_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description A DPoP proof (RFC 9449) for this request: the new session is bound to its key, its tokens carry `cnf.jkt` and `token_type` is `DPoP`. An invalid proof gets 401. */
                DPoP?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["LoginRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_logout_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_logout_all_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_logout_others_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description The body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_passkeys_list: {
        parameters: {
            query?: {
                /** @description A page number within the paginated result set. */
                page?: number;
                /** @description Number of results to return per page. */
                page_size?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaginatedPasskeyList"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_passkeys_destroy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `reauthentication_required`: the access token's `auth_time` is older than `REAUTH_MAX_AGE_SECONDS` (given as `max_age`), with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=N` (RFC 9470). Re-authenticate and retry. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_passkeys_partial_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["PatchedPasskeyRenameRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Passkey"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_passkeys_login_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description A DPoP proof (RFC 9449) for this request: the new session is bound to its key, its tokens carry `cnf.jkt` and `token_type` is `DPoP`. An invalid proof gets 401. */
                DPoP?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasskeyLoginRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            409: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_passkeys_login_options_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Options"];
                };
            };
            /** @description The body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_passkeys_register_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasskeyRegisterRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Passkey"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `reauthentication_required`: the access token's `auth_time` is older than `REAUTH_MAX_AGE_SECONDS` (given as `max_age`), with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=N` (RFC 9470). Re-authenticate and retry. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_passkeys_register_options_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Options"];
                };
            };
            /** @description The body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `reauthentication_required`: the access token's `auth_time` is older than `REAUTH_MAX_AGE_SECONDS` (given as `max_age`), with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=N` (RFC 9470). Re-authenticate and retry. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_password_change_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description A DPoP proof (RFC 9449) for this request: the new session is bound to its key, its tokens carry `cnf.jkt` and `token_type` is `DPoP`. An invalid proof gets 401. */
                DPoP?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordChangeRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_password_reset_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordResetRequestRequest"];
            };
        };
        responses: {
            202: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PasswordResetAccepted"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_password_reset_confirm_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PasswordResetConfirmRequest"];
            };
        };
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_reauthenticate_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["ReauthenticateRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["AccessToken"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_refresh_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenPair"];
                };
            };
            /** @description The body is not valid JSON. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_register_create: {
        parameters: {
            query?: never;
            header?: {
                /** @description A DPoP proof (RFC 9449) for this request: the new session is bound to its key, its tokens carry `cnf.jkt` and `token_type` is `DPoP`. An invalid proof gets 401. */
                DPoP?: string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["RegisterRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TokenResponse"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Too many attempts: see the `Retry-After` header. */
            429: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_sessions_list: {
        parameters: {
            query?: {
                /** @description A page number within the paginated result set. */
                page?: number;
                /** @description Number of results to return per page. */
                page_size?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaginatedDeviceSessionList"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_sessions_destroy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    auth_sessions_partial_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["PatchedSessionRenameRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["DeviceSession"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    health_retrieve: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    todos_list: {
        parameters: {
            query?: {
                /** @description Only todos that are done (true) or not done (false). */
                completed?: boolean;
                /** @description Which field to use when ordering the results. */
                ordering?: string;
                /** @description A page number within the paginated result set. */
                page?: number;
                /** @description Number of results to return per page. */
                page_size?: number;
                /** @description A search term. */
                search?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaginatedTodoList"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    todos_create: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TodoRequest"];
            };
        };
        responses: {
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Todo"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    todos_retrieve: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Todo"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    todos_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TodoRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Todo"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    todos_destroy: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    todos_partial_update: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["PatchedTodoRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Todo"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    users_list: {
        parameters: {
            query?: {
                /** @description A page number within the paginated result set. */
                page?: number;
                /** @description Number of results to return per page. */
                page_size?: number;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["PaginatedUserList"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    users_retrieve: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: number;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description Not found, or not yours. */
            404: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    users_me_retrieve: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    users_me_destroy: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description No response body */
            204: {
                headers: {
                    [name: string]: unknown;
                };
                content?: never;
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description `reauthentication_required`: the access token's `auth_time` is older than `REAUTH_MAX_AGE_SECONDS` (given as `max_age`), with `WWW-Authenticate: Bearer error="insufficient_user_authentication", max_age=N` (RFC 9470). Re-authenticate and retry. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
    users_me_partial_update: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["PatchedUserProfileUpdateRequest"];
            };
        };
        responses: {
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["User"];
                };
            };
            /** @description Invalid input. */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ValidationError"];
                };
            };
            /** @description No valid access token (the response has `WWW-Authenticate`). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
            /** @description The body is not JSON. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Error"];
                };
            };
        };
    };
}

/** Length limits of the fields of each schema (`minLength`, `maxLength`), from the same schema. */
export const fieldLimits = {
    "LoginRequest": {
        "email": {
            "minLength": 1,
            "maxLength": 254
        },
        "password": {
            "minLength": 1,
            "maxLength": 128
        },
        "device_name": {
            "maxLength": 100
        }
    },
    "PasskeyLoginRequest": {
        "device_name": {
            "maxLength": 100
        }
    },
    "PasskeyRegisterRequest": {
        "name": {
            "maxLength": 100
        }
    },
    "PasswordChangeRequest": {
        "current_password": {
            "minLength": 1,
            "maxLength": 128
        },
        "new_password": {
            "minLength": 1,
            "maxLength": 128
        },
        "device_name": {
            "maxLength": 100
        }
    },
    "PasswordResetConfirmRequest": {
        "uid": {
            "minLength": 1,
            "maxLength": 64
        },
        "token": {
            "minLength": 1,
            "maxLength": 128
        },
        "new_password": {
            "minLength": 1,
            "maxLength": 128
        }
    },
    "PasswordResetRequestRequest": {
        "email": {
            "minLength": 1,
            "maxLength": 254
        }
    },
    "PatchedPasskeyRenameRequest": {
        "name": {
            "minLength": 1,
            "maxLength": 100
        }
    },
    "PatchedSessionRenameRequest": {
        "device_name": {
            "minLength": 1,
            "maxLength": 100
        }
    },
    "PatchedTodoRequest": {
        "title": {
            "minLength": 1,
            "maxLength": 200
        },
        "description": {
            "maxLength": 5000
        }
    },
    "PatchedUserProfileUpdateRequest": {
        "first_name": {
            "maxLength": 150
        },
        "last_name": {
            "maxLength": 150
        }
    },
    "ReauthenticateRequest": {
        "password": {
            "minLength": 1,
            "maxLength": 128
        }
    },
    "RegisterRequest": {
        "email": {
            "minLength": 1,
            "maxLength": 254
        },
        "password": {
            "minLength": 1,
            "maxLength": 128
        },
        "device_name": {
            "maxLength": 100
        },
        "first_name": {
            "maxLength": 150
        },
        "last_name": {
            "maxLength": 150
        }
    },
    "Todo": {
        "title": {
            "maxLength": 200
        },
        "description": {
            "maxLength": 5000
        }
    },
    "TodoRequest": {
        "title": {
            "minLength": 1,
            "maxLength": 200
        },
        "description": {
            "maxLength": 5000
        }
    }
} as const satisfies {
    [S in keyof components["schemas"]]?: {
        [F in keyof components["schemas"][S]]?: { readonly minLength?: number; readonly maxLength?: number };
    };
};
