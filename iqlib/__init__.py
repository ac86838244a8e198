"""iqlib — the thin library behind the «IQ городов» notebooks.

Layers, from the bottom up; a module imports only from its own layer and the layers
below it (checked by import-linter in ``make check``; see docs/architecture.md):

* ``core`` — the numerical core, pure functions on arrays and frames: ``registry`` (one
  registry per method family), ``framework`` (the tree and per-node choices the core
  computes with), ``screen`` (screening by data availability), ``impute``, ``treat``,
  ``normalise``, ``aggregate``, ``weighting``, ``ranking``, ``roster`` (the roster columns by city), ``engine`` (the steps chained in
  one call), ``errors``;
* ``analysis`` — ``audit`` (statistical audit), ``diagnostics`` (effective weights,
  leave-one-out), ``uncertainty`` and ``sensitivity`` (of the ranks), ``series`` (the index across
  editions), ``compare`` (two
  rankings: shifts, correlations, leaders), ``summaries`` (the group summary and the regional table);
* ``config`` — ``params`` (edition, methodology and scenario YAML as validated models),
  ``yamlfile`` (safe YAML reading), ``paths`` (files from the project root);
* ``io`` — ``inputs`` (read and validate data), ``derive`` (derived indicators),
  ``runfolder`` (the run folder: reading, writing, the write guard, figures),
  ``template``, ``demo`` (the synthetic generator), ``calibrate`` (steers it to the published
  figures), ``reference`` (official figures beside a run), ``hashing``, ``downloads`` (CSV for Excel, XLSX workbooks);
* ``presentation`` — ``text`` (the language of a run), ``words`` (the catalogue of a
  reader's words), ``method_words`` (method choices in words), ``tables``, ``charts``,
  ``pages`` (the run's index.html), ``site`` (every page from the template files and the
  one stylesheet), ``svg`` (the pages' inline charts);
* ``stages`` — one function per stage notebook;
* ``scenarios`` — scenarios in memory (``iqlib.scenario(...).compute()``), computed with
  the stages' functions;
* ``publishing`` — ``run`` (the papermill chain and atomic publishing), ``execute`` (the
  stage notebooks in a child process), ``manifest``, ``contract`` (what a re-run must
  reproduce), ``machine``, ``verify``, ``notebook_html`` (offline notebook pages), ``site``
  (``iq site``: the static site of every published run), ``compare`` (``iq compare``: two
  runs side by side); ``explorer`` — the what-if widgets of ``notebooks/whatif.ipynb``;
* ``cli`` — the ``iq`` command.
"""

__version__ = "0.1.0"


def __getattr__(name: str) -> object:
    """``iqlib.scenario(...)``: the in-memory scenario API, imported on first use (``iq``
    itself does not need pandas to start)."""
    if name == "scenario":
        from iqlib.scenarios import scenario
        return scenario
    raise AttributeError(f"module 'iqlib' has no attribute {name!r}")
