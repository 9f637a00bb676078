"""Time ``common.logs.redact`` on ordinary and on worst-case log lines of growing length.

Every log line goes through it, and a client chooses much of what a line holds (a 404's path, a
query string), so its time must grow with the line's length, not with its square. Prints one
JSON object per shape: milliseconds per line at each length (the median of a few runs).

    .venv/bin/python bench/log_redaction.py [lengths...]     (default 1000 4000 16000)
"""

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from common.logs import redact

# Each shape makes a line of about ``n`` characters.
SHAPES = {
    "a 404 path of letters": lambda n: "Not Found: /api/" + "a" * n,
    "a path of 'eyJ' repeated": lambda n: "Not Found: /" + "eyJ" * (n // 3),
    "an unterminated quoted token": lambda n: '{"token": "' + "a" * n,
    "'uid=' repeated": lambda n: "/?" + "uid=" * (n // 4),
    "a JSON line quoting JSON": lambda n: json.dumps(
        {"message": json.dumps({"password": "x" * (n // 2), "email": "a@example.com"})}
    ),
    "an access log line": lambda n: "GET /api/todos/?page=2&" + "ordering=-id&" * (n // 13) + " 200",
}


def median_ms(line: str, runs: int = 5) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        redact(line)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times) * 1000, 3)


def main(argv: list[str]) -> int:
    lengths = [int(arg) for arg in argv] or [1000, 4000, 16000]
    for name, make in SHAPES.items():
        print(json.dumps({"shape": name, "ms_per_line": {n: median_ms(make(n)) for n in lengths}}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
