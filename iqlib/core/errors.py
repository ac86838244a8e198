"""Errors a user can cause and fix: one clear message, exit code 2, no traceback.

Every layer raises these (the core too: ``MethodError``); only the ``iq`` command turns
them into a message and an exit code, so the library stays usable from a notebook.

A message stays short whatever the input: ``ProblemsError`` lists the first ``SHOWN``
problems and the total, ``Problems.rows`` formats only the first ``SHOWN`` problems of a
kind (a file with a million bad cells costs ten messages, not a million) and counts the
rest, and ``first_of`` lists the first ``SHOWN`` of many names (a file with ten thousand
unknown columns names ten of them and gives the total).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

SHOWN = 10   # problems (or names) listed in one message; the total is always given


def count(n: int) -> str:
    """A count as the messages print it: thousands separated by a space (12 345)."""
    return f"{n:,}".replace(",", " ")


def first_of(items: Sequence[object], shown: int = SHOWN, sep: str = ", ") -> str:
    """``items`` joined by ``sep``, at most the first ``shown`` of them, then how many more
    and the total ('a, b, c and 9 997 more (10 000 in all)'), in the order given."""
    listed = sep.join(str(i) for i in items[:shown])
    more = len(items) - shown
    return listed if more <= 0 else f"{listed} and {count(more)} more ({count(len(items))} in all)"


class UserError(Exception):
    """A mistake the user can fix in their data or params (bad file, key, value).

    The CLI prints ``str(error)`` and exits with code 2; bugs raise anything else.
    """


class MethodError(UserError):
    """A method the data cannot support (e.g. a geometric mean of negative values, a
    goalpost above the maximum): the core's domain error, naming the method and codes."""


class Problems(list):
    """The problems found in one file, in the order found: a list of messages (``append``
    adds one) that also counts, per kind, the problems it did not format. ``rows`` formats
    the first ``SHOWN`` problems of a kind and only counts the others, so collecting stays
    linear in the number of bad cells and cheap per cell."""

    def __init__(self) -> None:
        super().__init__()
        self.counts: dict[str, int] = {}    # problems per kind (kinds added with ``rows``), in order of first use
        self.listed: dict[str, int] = {}    # of which formatted (at most SHOWN)
        self.hidden = 0                     # counted but not formatted
        self.kind_at: dict[int, str] = {}   # position -> kind of the messages ``rows`` formatted

    @property
    def total(self) -> int:
        """Every problem found, formatted or only counted."""
        return len(self) + self.hidden

    def rows(self, kind: str, rows: np.ndarray | Sequence[int], message: Callable[..., str]) -> None:
        """Problems of ``kind`` (a short phrase: 'not a number') at ``rows`` (positions, or a
        boolean mask over the rows): the first ``SHOWN`` of the kind become ``message(row)``,
        the rest are counted."""
        at = np.asarray(rows)
        if at.dtype == bool:
            at = np.flatnonzero(at)
        if not len(at):
            return
        room = max(0, SHOWN - self.listed.get(kind, 0))
        for row in at[:room]:
            self.kind_at[len(self)] = kind
            self.append(message(int(row)))
        self.counts[kind] = self.counts.get(kind, 0) + len(at)
        self.listed[kind] = self.listed.get(kind, 0) + min(room, len(at))
        self.hidden += len(at) - min(room, len(at))


class ProblemsError(UserError):
    """Several problems found together (e.g. every bad cell of an input file): the message
    lists at most ``cap`` of them and the total, and when some are left out, how many of
    each kind were found in all. With ``Problems``, the listed ones are the first of each
    kind taken in turn (one kind with thousands of problems does not hide the others),
    shown in the order found."""

    def __init__(self, title: str, problems: Sequence[str], cap: int = SHOWN):
        self.title = title
        self.problems = list(problems)
        total = problems.total if isinstance(problems, Problems) else len(problems)
        shown = [self.problems[i] for i in _pick(problems, cap)]
        more = total - len(shown)
        lines = [f"{title}: {count(total)} problem(s)"] + [f"  - {p}" for p in shown]
        if more:
            kinds = problems.counts if isinstance(problems, Problems) else {}
            by_kind = "; ".join(f"{kind}: {count(n)}" for kind, n in kinds.items())
            lines.append(f"  ... and {count(more)} more" + (f" (in all, by kind: {by_kind})" if by_kind else ""))
        super().__init__("\n".join(lines))


def _pick(problems: Sequence[str], cap: int) -> list[int]:
    """Positions of the problems a message lists: with ``Problems``, the first of each kind
    in turn (kinds in the order first found; problems added one by one are one kind) until
    ``cap``, in the order found; else the first ``cap``."""
    if not isinstance(problems, Problems):
        return list(range(min(cap, len(problems))))
    queues: dict[str | None, list[int]] = {}
    for i in range(len(problems)):
        queues.setdefault(problems.kind_at.get(i), []).append(i)
    picked: list[int] = []
    depth = 0
    while len(picked) < min(cap, len(problems)):
        picked += [q[depth] for q in queues.values() if depth < len(q)][:cap - len(picked)]
        depth += 1
    return sorted(picked)
