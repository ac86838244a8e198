"""Errors a user can cause and fix: one clear message, exit code 2, no traceback.

Every layer raises these (the core too: ``MethodError``); only the ``iq`` command turns
them into a message and an exit code, so the library stays usable from a notebook.
"""


class UserError(Exception):
    """A mistake the user can fix in their data or params (bad file, key, value).

    The CLI prints ``str(error)`` and exits with code 2; bugs raise anything else.
    """


class MethodError(UserError):
    """A method the data cannot support (e.g. a geometric mean of negative values, a
    goalpost above the maximum): the core's domain error, naming the method and codes."""


class ProblemsError(UserError):
    """Several problems found together (e.g. every bad cell of an input file)."""

    def __init__(self, title: str, problems: list[str], cap: int = 50):
        self.title = title
        self.problems = problems
        shown = problems[:cap]
        more = len(problems) - len(shown)
        lines = [f"{title}: {len(problems)} problem(s)"] + [f"  - {p}" for p in shown]
        if more:
            lines.append(f"  ... and {more} more")
        super().__init__("\n".join(lines))
