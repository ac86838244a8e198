"""The method choices a methodologist can make, as validated configuration models.

Every choice is a small pydantic model with a ``method`` (or ``rule``) discriminator,
so a scenario can switch any of them in YAML and an unknown method, a misspelt key or a
wrong value type is one clear error. The arithmetic lives in ``impute``, ``treat``,
``normalise``, ``aggregate``; the exact semantics are in their docstrings and in
docs/methods.md.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag, model_validator


class Strict(BaseModel):
    """Unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def describe(choice) -> str:
    """A method choice as one line: 'minmax(within=group, lower=0.0, …)'; a plain name
    (a missing-data rule, 'nominal') as itself."""
    if isinstance(choice, str):
        return choice
    fields = choice.model_dump(exclude={"method"}, exclude_none=True)
    return f"{choice.method}(" + ", ".join(f"{k}={v}" for k, v in fields.items()) + ")"


# ----------------------------------------------------------------------------- missing data
MissingRule = Literal["exclude", "zero", "group_mean", "group_median", "group_min"]


class Imputation(Strict):
    by: str = Field("group", description="roster column whose groups the group_* rules use")


# ----------------------------------------------------------------------------- outliers
class NoTreatment(Strict):
    method: Literal["none"] = "none"


class JRCTreatment(Strict):
    """Winsorise while |skew| ≥ skew and kurt ≥ kurt and fewer than winmax points changed;
    if the rule still fails, log(x − min + 0.01·(max − min)) of the original values."""

    method: Literal["jrc"]
    skew: float = Field(2.0, gt=0)
    kurt: float = Field(3.5)
    winmax: int = Field(5, ge=0)
    within: Literal["all", "group"] = "all"


Treatment = Annotated[Union[NoTreatment, JRCTreatment], Field(discriminator="method")]


# ----------------------------------------------------------------------------- normalisation
class _Norm(Strict):
    within: Literal["group", "all"] = "group"


class MinMax(_Norm):
    """lower + (x − min)/(max − min)·(upper − lower); constant scope → ``constant``."""

    method: Literal["minmax"]
    lower: float = 0.0
    upper: float = 1.0
    constant: Literal["midpoint", "lower", "upper"] = "midpoint"

    @model_validator(mode="after")
    def _bounds(self):
        if not self.upper > self.lower:
            raise ValueError(f"upper ({self.upper}) must be greater than lower ({self.lower})")
        return self


class ZScore(_Norm):
    """mean + sd·(x − x̄)/s, s the sample standard deviation (n − 1)."""

    method: Literal["zscore"]
    mean: float = 0.0
    sd: float = Field(1.0, gt=0)


class Goalposts(_Norm):
    """scale·(x − lower)/(upper − lower) (polarity −1: (upper − x)/(upper − lower)),
    truncated to [0, scale] if ``truncate``. ``upper: base_group_max`` takes the upper
    post from the base edition: the maximum of the indicator in the city's group."""

    method: Literal["goalposts"]
    lower: float
    upper: float | Literal["base_group_max", "base_max"]
    scale: float = Field(1.0, gt=0)
    truncate: bool = True

    @model_validator(mode="after")
    def _posts(self):
        if isinstance(self.upper, float) and not self.upper > self.lower:
            raise ValueError(f"upper goalpost ({self.upper}) must be greater than lower ({self.lower})")
        return self


class DistToTarget(_Norm):
    """scale·(x − min)/(target − min) (polarity −1: (max − x)/(max − target)); capped
    at scale if ``cap``."""

    method: Literal["dist2target"]
    target: float
    cap: bool = True
    scale: float = Field(1.0, gt=0)


class Rank(_Norm):
    """Rank, 1 = lowest, ties share the lowest rank ("min")."""

    method: Literal["rank"]


class PercentRank(_Norm):
    """scale·(rank − 1)/(n − 1)."""

    method: Literal["pctrank"]
    scale: float = Field(1.0, gt=0)


class Borda(_Norm):
    """rank − 1 (number of cities below)."""

    method: Literal["borda"]


class FractionOfMax(_Norm):
    """scale·x/max (polarity −1: scale·min/x); values must be > 0."""

    method: Literal["fracmax"]
    scale: float = Field(1.0, gt=0)


Normalisation = Annotated[Union[MinMax, ZScore, Goalposts, DistToTarget, Rank, PercentRank, Borda, FractionOfMax],
                          Field(discriminator="method")]


# ----------------------------------------------------------------------------- aggregation
class Aggregation(Strict):
    """How a level's nodes combine their children (NA-aware; see iqlib/aggregate.py)."""

    method: Literal["weighted_mean", "weighted_sum", "geometric_mean", "harmonic_mean", "generalised_mean"]
    p: float | None = Field(None, description="exponent of the generalised mean")
    nonpositive: Literal["zero", "shift", "skip"] = Field(
        "zero", description="geometric/harmonic/p ≤ 0 means with values ≤ 0: zero → the mean is 0 "
        "(its limit; negative values are an error), shift → computed on x + shift then shifted back, "
        "skip → the values ≤ 0 are left out like missing ones")
    shift: float = Field(1.0, gt=0)
    weights: Literal["yaml", "equal", "pca"] = "yaml"
    min_coverage: float = Field(0.0, ge=0, le=1, description="share of the children's weight that must "
                                "be available, else the aggregate is missing")
    missing: Literal["zero", "missing"] = Field("zero", description="what a missing aggregate becomes")

    @model_validator(mode="after")
    def _p(self):
        if self.method == "generalised_mean" and self.p is None:
            raise ValueError("generalised_mean needs an exponent p")
        if self.method != "generalised_mean" and self.p is not None:
            raise ValueError(f"p is only used by generalised_mean, not {self.method}")
        return self


# ----------------------------------------------------------------------------- robustness
def _or_nominal(choice):
    """``nominal`` or a ``choice``; a bad entry reports only the choice's error."""
    return Annotated[Union[Annotated[Literal["nominal"], Tag("nominal")], Annotated[choice, Tag("choice")]],
                     Discriminator(lambda v: "nominal" if v == "nominal" else "choice")]


class Sensitivity(Strict):
    """Sobol sensitivity analysis: ``samples`` rows of each of the A and B matrices (a
    power of two: the Sobol sequence is balanced on those), bootstrap resamples and the
    confidence level of the intervals."""

    samples: int = Field(1024, ge=64, le=65536)
    bootstrap: int = Field(500, ge=20, le=10000)
    confidence: float = Field(0.95, gt=0.5, lt=1)

    @model_validator(mode="after")
    def _power_of_two(self):
        if self.samples & (self.samples - 1):
            raise ValueError(f"samples must be a power of two (64, 128, …, 65536), not {self.samples}")
        return self


class Uncertainty(Strict):
    """The uncertain inputs of the ranking and how many replications to draw.

    ``weights``: per level of the weighted nodes (e.g. indicator, direction), the noise
    factor f: each weight becomes w·(1 + f·(2u − 1)), u uniform on [0, 1). The discrete
    inputs are lists of alternatives drawn with equal probability; ``nominal`` is the
    methodology's own choice, any other entry replaces the choice for every indicator
    (or, for ``aggregation``, for the level named)."""

    replications: int = Field(2000, ge=10, le=1_000_000)
    seed: int | None = Field(None, ge=0, description="default: the edition's seed")
    batch: int = Field(1000, ge=1, description="replications evaluated at once (bounds memory)")
    interval: tuple[float, float] = Field((5.0, 95.0), description="percentiles of the rank interval")
    weights: dict[str, float] = Field(default_factory=dict)
    imputation: list[_or_nominal(MissingRule)] | None = Field(None, min_length=1)
    treatment: list[_or_nominal(Treatment)] | None = Field(None, min_length=1)
    normalisation: list[_or_nominal(Normalisation)] | None = Field(None, min_length=1)
    aggregation: dict[str, list[_or_nominal(Aggregation)]] = Field(default_factory=dict)
    sensitivity: Sensitivity | None = None

    @model_validator(mode="after")
    def _ranges(self):
        lo, hi = self.interval
        if not 0 <= lo < hi <= 100:
            raise ValueError(f"interval must be two percentiles 0 ≤ low < high ≤ 100, not {list(self.interval)}")
        for level, f in self.weights.items():
            if not 0 <= f < 1:
                raise ValueError(f"weights.{level}: the noise factor must be in [0, 1), not {f}")
        for level, alts in self.aggregation.items():
            if not alts:
                raise ValueError(f"aggregation.{level}: give at least one alternative")
        if not (self.weights or self.imputation or self.treatment or self.normalisation or self.aggregation):
            raise ValueError("name at least one uncertain input (weights, imputation, treatment, "
                             "normalisation or aggregation)")
        return self
