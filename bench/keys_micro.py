"""Sign and verify one token with the configured key, through the project's token backend.

Run by bench/keys.py with JWT_ALGORITHM (and JWT_PRIVATE_KEY_FILE) in the environment; prints
``{"algorithm", "sign_us", "verify_us"}`` (medians, microseconds).
"""

import json
import os
import sys
import uuid

import django


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 2000
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()
    from django.utils import timezone

    from accounts.keys import backend
    from accounts.sessions.tokens import SessionRefreshToken
    from bench.keys import median_us

    now = timezone.now()
    token = SessionRefreshToken.for_session(
        user_id=1,
        session_id=uuid.uuid4(),
        expires_at=now + timezone.timedelta(days=1),
        session_expires_at=now + timezone.timedelta(days=30),
    )
    access = token.access_token
    token_backend = backend.current()
    encoded = str(access)
    result = {
        "algorithm": token_backend.algorithm,
        "sign_us": median_us(lambda: token_backend.encode(access.payload), count),
        "verify_us": median_us(lambda: token_backend.decode(encoded), count),
    }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
