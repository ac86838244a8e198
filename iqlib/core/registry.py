"""One registry per method family (imputation, treatment, normalisation, aggregation,
weights).

Registering a method is one decorated function, with its pydantic config class next to
it when the method takes options::

    @NORMALISATIONS.register("logistic", Logistic)
    def logistic(x, pol, groups, cfg, bounds=None): ...

Everything else is derived from the registry: the discriminated union that validates a
methodology's YAML (``union``), the accepted names and their error message (``names``,
``check``), and the list of methods in the docs and notebooks (``describe``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar, Union

from pydantic import BaseModel, ConfigDict, Field

F = TypeVar("F", bound=Callable[..., Any])


class Strict(BaseModel):
    """A method's options: unknown keys are errors, not silently ignored; a number is
    finite (.inf or .nan in YAML is refused: no option means anything with them)."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


@dataclass(frozen=True)
class Method:
    name: str
    function: Callable[..., Any]
    config: type[Strict] | None
    summary: str  # the first line of the function's docstring
    exact: bool   # computed with +, −, ×, ÷, √ only (bit-identical on any CPU; see contract)


class Registry(Generic[F]):
    """The methods of one family, in registration order."""

    def __init__(self, family: str, key: str = "method"):
        self.family = family
        self.key = key  # the YAML key that names the method
        self._methods: dict[str, Method] = {}

    def register(self, name: str, config: type[Strict] | None = None, exact: bool = True) -> Callable[[F], F]:
        """Decorator: ``function`` computes method ``name``; ``config`` (optional) is its
        options model, whose ``method`` field must be ``Literal[name]``; ``exact=False``
        when it uses log/exp/pow or BLAS/LAPACK (its results then agree across CPUs only
        within the reproducibility contract's tolerance)."""
        def add(function: F) -> F:
            if name in self._methods:
                raise ValueError(f"{self.family}: method {name!r} registered twice")
            if config is not None and config.model_fields.get(self.key) is None:
                raise ValueError(f"{self.family}: {config.__name__} has no {self.key!r} field")
            summary = (function.__doc__ or "").strip().splitlines()[0] if function.__doc__ else ""
            self._methods[name] = Method(name, function, config, summary, exact)
            return function
        return add

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._methods)

    def __getitem__(self, name: str) -> F:
        return self._methods[name].function  # type: ignore[return-value]

    def __contains__(self, name: object) -> bool:
        return name in self._methods

    def config(self, name: str) -> type[Strict] | None:
        """The options model of method ``name`` (None when it takes none)."""
        return self._methods[name].config

    def exact(self, name: str) -> bool:
        return self._methods[name].exact

    def check(self, name: str) -> str:
        """``name`` if registered, else a ValueError listing the known ones (pydantic turns
        it into a message naming the key)."""
        if name not in self._methods:
            raise ValueError(f"unknown {self.family} {name!r}; known: {', '.join(self.names)}")
        return name

    def union(self) -> Any:
        """The discriminated union of the config classes (pydantic picks the class by
        ``method`` and reports an unknown one with the list of known tags)."""
        configs = tuple(m.config for m in self._methods.values() if m.config is not None)
        return Annotated[Union[configs], Field(discriminator=self.key)]

    def describe(self) -> list[tuple[str, str]]:
        """(name, one-line summary) of every method, for the docs and notebooks."""
        return [(m.name, m.summary) for m in self._methods.values()]


def describe(choice: Any) -> str:
    """A method choice as one line: 'minmax(within=group, lower=0.0, …)'; a plain name
    (a missing-data rule, 'nominal') as itself."""
    if isinstance(choice, str):
        return choice
    fields = choice.model_dump(exclude={"method"}, exclude_none=True)
    return f"{choice.method}(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"
