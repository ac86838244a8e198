"""The reproducibility contract, proven on one machine: a run re-made with other CPU kernels
(OpenBLAS forced to an older core type, numpy's dispatched SIMD switched off down to its
baseline) verifies against the normal run: ranks and published values identical, the
full-precision values of the tolerance class within it."""

import json
import os
import subprocess
import sys
import warnings

import pandas as pd
import pytest
from conftest import ROOT, iq

from iqlib.publishing import machine

SCENARIO = "tests/fixtures/mini/nonlinear.yaml"


def kernels(env: dict) -> dict:
    """The machine record (iqlib.publishing.machine.describe) as a process with ``env`` sees it."""
    code = "import json; from iqlib.publishing import machine; print(json.dumps(machine.describe()))"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, **env}, capture_output=True, text=True,
                         cwd=ROOT, check=True)
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def other_cpu() -> dict:
    """Variables that make numpy and OpenBLAS behave as on an older CPU, checked to take effect."""
    normal = machine.describe()  # this process runs with the normal kernels
    env = {"OPENBLAS_CORETYPE": "Nehalem"}
    dispatched = normal["numpy_simd"]["dispatched"]
    if dispatched:
        env["NPY_DISABLE_CPU_FEATURES"] = ",".join(dispatched)
    other = kernels(env)
    said = []
    cores = [(b["prefix"], b["architecture"]) for b in normal["blas"]]
    if cores == [(b["prefix"], b["architecture"]) for b in other["blas"]]:
        said.append(f"OPENBLAS_CORETYPE=Nehalem had no effect here (BLAS cores {cores})")
    if not dispatched:
        said.append("numpy dispatches no SIMD beyond its baseline on this CPU: NPY_DISABLE_CPU_FEATURES not set")
    elif other["numpy_simd"]["dispatched"]:
        said.append(f"NPY_DISABLE_CPU_FEATURES left {other['numpy_simd']['dispatched']} dispatched")
    for line in said:  # the rest of the test still runs
        warnings.warn(line, stacklevel=1)
    assert len(said) < 2, "neither variable changed the kernels: this test would prove nothing"
    return env


def check_contract(result: subprocess.CompletedProcess, run) -> None:
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    assert "\nreproduced exactly\n" in out or "\nreproduced within tolerance\n" in out, out
    assert "published on:" in out and "re-run on:" in out  # the two machines are named
    # exact class: the published values and every rank, whatever the kernels
    for line in out.splitlines():
        if line.strip().startswith("within tolerance:"):
            name = line.split(":")[1].strip()
            assert name not in {"results/scores.csv", "results/uncertainty.csv", "results/group_summary.csv"}, line


def test_the_fixture_edition_verifies_on_other_kernels(published_mini, other_cpu):
    result = iq("verify", "outputs/2019/mini", cwd=published_mini,
                env={"IQ_PROJECT_ROOT": str(published_mini), **other_cpu})
    check_contract(result, published_mini / "outputs/2019/mini")
    # the fixture edition is arithmetic: its aggregates are exact on any kernels
    assert "within tolerance: results/aggregates.csv" not in result.stdout
    assert "within tolerance: results/normalised.csv" not in result.stdout


def test_a_scenario_with_log_exp_and_pca_verifies_on_other_kernels(own_project, other_cpu):
    env = {"IQ_PROJECT_ROOT": str(own_project)}
    published = iq("run", SCENARIO, "--publish", env=env, cwd=own_project)
    assert published.returncode == 0, published.stderr
    run = own_project / "outputs/2019/nonlinear"
    treatment = pd.read_csv(run / "results/treatment.csv")
    assert set(treatment["action"]) >= {"winsorised"} or set(treatment["action"]) >= {"log"}
    assert len(pd.read_csv(run / "results/pca.csv"))  # the PCA weights were really used
    result = iq("verify", "outputs/2019/nonlinear", cwd=own_project, env={**env, **other_cpu})
    check_contract(result, run)
