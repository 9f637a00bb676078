"""The project's settings with a DPoP replay loss window of one second instead of two minutes.

For servers under test only: a test can then get past a Redis restart's loss window by waiting a
second rather than two minutes (``accounts/dpop/replay.py``). Nothing else differs.
"""

from config.settings import *  # noqa: F403

DPOP_REPLAY_LOSS_WINDOW_SECONDS = 1
