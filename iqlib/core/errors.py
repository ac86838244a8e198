"""User-facing errors: one clear message, exit code 2, no traceback."""


class UserError(Exception):
    """A mistake the user can fix in their data or params (bad file, key, value).

    The CLI prints ``str(error)`` and exits with code 2; bugs raise anything else.
    """


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


class MissingStageOutput(UserError):
    """A stage needs a run-folder file that an earlier stage writes (a notebook run on its
    own): the message names that stage and the file."""
