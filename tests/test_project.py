"""Project hygiene: one dependency list, clean source notebooks, documented commands."""

import re
import tomllib

import nbformat
import papermill
import pytest
import yaml
from conftest import ROOT

from iqlib.stages import STAGES


def test_environment_yml_is_a_thin_wrapper_of_pyproject():
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    deps = env["dependencies"]
    python = next(d for d in deps if isinstance(d, str) and d.startswith("python"))
    assert python.split("=")[-1] == project["requires-python"].removeprefix(">=")
    assert "pip" in deps
    pip = next(d for d in deps if isinstance(d, dict))["pip"]
    assert pip == ["-e .[dev]"], "all packages belong in pyproject.toml, not environment.yml"
    assert "dev" in project["optional-dependencies"]


def test_design_card_packages_are_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {re.split(r"[<>=\[ ]", d)[0].lower() for d in
             project["dependencies"] + project["optional-dependencies"]["dev"]}
    assert {"jupyterlab", "papermill", "pandas", "matplotlib", "seaborn", "nbval"} <= names
    assert project["scripts"]["iq"] == "iqlib.cli:main"


def test_constraints_pin_every_dependency():
    pins = {line.split("==")[0].lower().replace("_", "-") for line in
            (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for dep in project["dependencies"] + project["optional-dependencies"]["dev"]:
        assert re.split(r"[<>=\[ ]", dep)[0].lower() in pins, dep


def test_license_is_an_spdx_string_that_the_build_backend_understands():
    """A license table is deprecated (a warning on every install); the SPDX string form
    needs setuptools 77 or later."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"
    setuptools = next(r for r in pyproject["build-system"]["requires"] if r.startswith("setuptools"))
    assert int(re.fullmatch(r"setuptools>=(\d+)(\.\d+)*", setuptools)[1]) >= 77


def _docstring_modules(doc: str) -> tuple[set[str], set[str]]:
    """The layers and modules the package docstring names, as dotted paths below ``iqlib``:
    each entry, a name in double backquotes and an em dash, opens a layer (a package) or a top-level module; the
    names in double backquotes after a package's entry, up to the next entry, are its modules
    (``config`` — ``params`` … is config.params). Returns (entries, modules of packages)."""
    entries, modules = set(), set()
    parts = re.split(r"``(\w+)`` —", doc)
    for head, body in zip(parts[1::2], parts[2::2]):
        entries.add(head)
        if (ROOT / "iqlib" / head / "__init__.py").is_file():
            modules |= {f"{head}.{name}" for name in re.findall(r"``(\w+)``", body)}
    return entries, modules


def test_package_docstring_names_every_module_by_its_path():
    """Exact paths, not base names: ``series`` named under analysis does not describe
    publishing.series (the check this replaces let it pass)."""
    import iqlib
    entries, named = _docstring_modules(iqlib.__doc__)
    package = ROOT / "iqlib"
    real = {".".join(p.relative_to(package).with_suffix("").parts) for p in package.rglob("*.py")
            if p.stem != "__init__"}
    top = {m for m in real if "." not in m} | {p.name for p in package.iterdir() if (p / "__init__.py").is_file()}
    assert entries <= top, f"no such layer or module: {', '.join(sorted(entries - top))}"
    assert named <= real, f"no such module: {', '.join(sorted(named - real))}"
    described = named | entries
    assert real <= described, f"not described: {', '.join(sorted(real - described))}"
    assert top <= entries, f"no entry: {', '.join(sorted(top - entries))}"


def test_the_docstring_check_tells_modules_of_one_name_apart():
    """The parser behind the check: the same base name in two layers is two modules."""
    doc = "* ``analysis`` — ``series`` (across editions);\n* ``publishing`` — ``run``, ``site``;\n* ``cli`` — the ``iq`` command."
    assert _docstring_modules(doc) == ({"analysis", "publishing", "cli"}, {"analysis.series", "publishing.run",
                                                                           "publishing.site"})


def test_source_notebooks_are_clean_and_parameterised():
    for stage in STAGES:
        path = ROOT / "notebooks" / f"{stage}.ipynb"
        nb = nbformat.read(path, as_version=4)
        nbformat.validate(nb)
        assert nb.metadata.kernelspec.name == "python3", stage
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), f"{stage} has outputs"
        assert "parameters" in code[0].metadata.get("tags", []), stage
        params = papermill.inspect_notebook(str(path))
        assert set(params) == {"params_file", "run_dir", "draft"}, stage
        # thin notebooks: logic lives in iqlib
        assert max(len(c.source.splitlines()) for c in code) <= 8, stage
        assert any(c.cell_type == "markdown" for c in nb.cells), stage


def test_nbval_checks_are_cell_tags_not_comments():
    """Every notebook marks the cells whose output nbval compares with the cell tag
    ``nbval-check-output`` (nbval reads it as it reads the comment), hidden from the reader:
    no ``# NBVAL_…`` comment in the code a methodologist reads."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        code = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
        assert not [c.id for c in code if "NBVAL" in c.source], path.name
        tagged = [c for c in code if "nbval-check-output" in c.metadata.get("tags", [])]
        assert bool(tagged) == (path.stem != "whatif"), path.name     # the explorer prints no result table


def test_the_whatif_notebook_is_clean_thin_and_parameterised():
    path = ROOT / "notebooks" / "whatif.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert set(papermill.inspect_notebook(str(path))) == {"base"}
    assert max(len(c.source.splitlines()) for c in code) <= 4


def test_readme_quick_start_and_ci():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("##", 1)[0]
    assert "make run" in quick and "make test" in quick
    assert "synthetic" in readme.lower()
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_makefile_has_help_and_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ["help", "run", "test", "lab", "publish"]:
        assert re.search(rf"^{target}:.*## ", makefile, re.M), target


@pytest.mark.e2e
def test_benchmark_script_runs_on_a_small_case():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "bench/nominal.py", "--units", "200", "--repeat", "1"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "nominal computation, 200 units x 47 indicators" in out.stdout
    assert not (ROOT / "bench" / "results" / "nominal_2019_200.txt").exists()
