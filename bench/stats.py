"""Small statistics for the benchmark reports."""

import statistics


def percentile(values, fraction):
    """Return the ``fraction`` percentile of ``values`` (nearest rank)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def summarize_rep(latencies_s, elapsed_s):
    """Return requests per second, p50 and p95 (ms) of one repetition."""
    return {
        "n": len(latencies_s),
        "rps": len(latencies_s) / elapsed_s if elapsed_s else float("nan"),
        "p50_ms": percentile(latencies_s, 0.50) * 1000,
        "p95_ms": percentile(latencies_s, 0.95) * 1000,
    }


def median_of_reps(reps):
    """Return the median over repetitions of each figure, and the repetitions themselves."""
    cpu = [rep["cpu_ms"] for rep in reps if "cpu_ms" in rep]
    return {
        **({"cpu_ms": statistics.median(cpu)} if cpu else {}),
        "rps": statistics.median(rep["rps"] for rep in reps),
        "p50_ms": statistics.median(rep["p50_ms"] for rep in reps),
        "p95_ms": statistics.median(rep["p95_ms"] for rep in reps),
        "n": sum(rep["n"] for rep in reps),
        "reps": reps,
    }


TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT", "END")


def classify_sql(captured, operations):
    """Return statements and transaction-control statements per operation, and their verbs."""
    statements, control, verbs = 0, 0, {}
    for query in captured:
        sql = query["sql"].lstrip().upper()
        if sql.startswith(TRANSACTION_CONTROL):
            control += 1
        else:
            statements += 1
            verb = sql.split(None, 1)[0]
            verbs[verb] = verbs.get(verb, 0) + 1
    return {
        "statements": statements / operations,
        "transaction_control": control / operations,
        "verbs": {verb: count / operations for verb, count in sorted(verbs.items())},
    }
