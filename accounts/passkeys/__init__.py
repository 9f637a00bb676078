"""Passkeys (WebAuthn) and re-authentication: docs/passkeys.md.

py_webauthn (the ``webauthn`` package) makes the options and verifies every response; this
package keeps the challenges, the credentials and the rules around them, and opens sessions
through accounts.sessions.opening like a password login.
"""
