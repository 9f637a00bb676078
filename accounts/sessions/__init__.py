"""The session rule: opening (``opening``), refresh with grace and reuse (``refresh``), revocation, housekeeping.

Also what those need and nothing above them does: the token classes (``tokens``), the hot SQL of
rotation and authentication (``hot_sql``), the shared session state (``session_cache``), the
selectors, device names (``devices``) and a session's last use (``activity``).
"""
