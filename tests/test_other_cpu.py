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
from conftest import FIXTURE_EDITION, ROOT, iq

from iqlib.config.params import load_params
from iqlib.publishing import contract, machine

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


# the stage functions of 01–04 and the summary of 05, in a process with other kernels: every
# table a run computes, without the notebooks, figures and pages (the full path through
# `iq verify` on other kernels is the scenario test below)
STAGES_ELSEWHERE = """
import sys
from iqlib import stages
from iqlib.config.params import load_params
from iqlib.io.runfolder import RunFolder
params, run = load_params(sys.argv[1]), RunFolder(sys.argv[2])
for stage in (stages.load, stages.normalise, stages.weight, stages.rank, stages.robustness, stages.summarise):
    stage(params, run)
"""


def test_the_fixture_editions_tables_are_exact_on_other_kernels(published_mini, other_cpu, tmp_path):
    """The fixture edition is arithmetic, so the contract holds its tables exact: computed with
    other kernels they are the published ones byte for byte (aggregates and normalised values
    included); only the files always held to a tolerance (correlations, effective weights) may move."""
    rerun = tmp_path / "rerun"
    out = subprocess.run([sys.executable, "-c", STAGES_ELSEWHERE, FIXTURE_EDITION, str(rerun)],
                         env={**os.environ, "PYTHONHASHSEED": "0", "IQ_PROJECT_ROOT": str(published_mini), **other_cpu},
                         cwd=published_mini, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    published = published_mini / "outputs/2019/mini"
    names = sorted(p.relative_to(rerun).as_posix() for p in (rerun / "results").glob("*.csv"))
    assert {"results/aggregates.csv", "results/normalised.csv", "results/scores.csv", "results/uncertainty.csv",
            "results/group_summary.csv"} <= set(names)
    fw = load_params(str(published_mini / FIXTURE_EDITION)).methodology.framework
    assert contract.arithmetic(fw)
    result = contract.compare_runs(published, rerun, names, fw)
    assert result.problems == []
    # the exact class identical; only what the contract always holds to a tolerance (BLAS) may move
    assert {o.name for o in result.files if not o.identical} <= contract.ALWAYS_TOLERANCE
    assert {"results/aggregates.csv", "results/normalised.csv", "results/scores.csv"} <= \
        {o.name for o in result.files if o.identical}


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
