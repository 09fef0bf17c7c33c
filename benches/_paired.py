"""Paired rounds, shared by the benches that compare variants run side by side: the order the
variants take in each round, and the ratio read from the rounds."""

import statistics


def turn_order(variants, round_index):
    """The variants in the order they run in round `round_index`: rotated, and every other round
    reversed, so that each runs first, last, before and after each other one equally often (a
    fixed order gave the batch after awaitkit's, the wrapper's, a ~0.5% handicap in an A/A test)."""
    first = (round_index // 2) % len(variants)
    order = variants[first:] + variants[:first]
    return order[::-1] if round_index % 2 else order


def paired_ratio(times, a, b):
    """The median over rounds of a / b: `times[name]` lists a variant's time in each round, and
    each round's two runs ran next to each other."""
    return statistics.median(x / y for x, y in zip(times[a], times[b]))
