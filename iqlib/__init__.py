"""iqlib — the thin library behind the «IQ городов» notebooks.

Layers, from the bottom up; a module imports only from its own layer and the layers
below it (checked by import-linter in ``make check``; see docs/architecture.md):

* ``core`` — the numerical core, pure functions on arrays and frames: ``registry`` (one
  registry per method family), ``framework`` (the tree and per-node choices the core
  computes with), ``screen`` (screening by data availability), ``impute``, ``treat``,
  ``normalise``, ``aggregate``, ``weighting``, ``ranking``, ``roster`` (the roster columns by
  city), ``engine`` (the steps chained in one call), ``errors``;
* ``analysis`` — ``audit`` (statistical audit), ``diagnostics`` (effective weights,
  leave-one-out), ``uncertainty``, ``ties`` and ``sensitivity`` (of the ranks; ``ties``: the places
  the replications do not settle), ``series`` (the index
  across editions), ``compare`` (two rankings: shifts, correlations, leaders), ``summaries``
  (the published summaries: by group, by region, a city's profile), ``marks`` (scores resting on
  estimated values), ``passport`` (a city's places on each direction, peers, the leader's
  margins, levers re-scored), ``optimise`` (the weights of a level optimised to a target importance);
* ``config`` — ``params`` (the params of a run: an edition or scenario with its methodology, loaded
  across files), ``methodology`` (the framework and its methods as a model), ``edition`` (an
  edition as a model, checked against its methodology), ``scenario`` (overrides of an edition),
  ``series`` (``iq series``), ``reserved`` (the names the results use: no input may take one),
  ``errors`` (validation errors in the user's words), ``yamlfile`` (safe YAML reading), ``paths``
  (files from the project root), ``limits`` (the bounds on the length and characters of every
  name, label, title, text and address), ``names`` (the one check of a scenario's, series' or
  comparison's name and of a command's ``--out``: length, characters, the project's folder
  names, case collisions);
* ``io`` — ``inputs`` (an edition's inputs, read and validated), ``encoding`` (the text of a CSV
  file), ``tables`` (CSV and XLSX read as text, with the line of every cell), ``codes`` (look-alike
  city codes), ``roster`` (the cities and their groups), ``values`` (the indicator values and
  their accounting), ``derive`` (derived indicators), ``runfolder`` (the run folder: reading,
  writing, the write guard, figures), ``template``, ``demo`` (the synthetic generator),
  ``calibrate`` (steers it to the published figures), ``reference`` (official figures beside a
  run), ``hashing``, ``downloads`` (CSV for Excel, XLSX workbooks), ``suspicious`` (the warnings
  about suspicious but legal inputs, one table);
* ``presentation`` — ``words`` (every word a reader sees, by key, from one catalogue per
  language), ``titles`` (a run's title), ``text`` (the run's words through it), ``method_words``
  (method choices in words), ``tables``, ``charts``, ``pages`` (the run's index.html), ``site``
  (every page from the template files and the one stylesheet), ``svg`` (the pages' inline charts),
  ``figures`` (a chart with its data table and downloads), ``home_chart`` (the home page's
  national trend), ``maps`` (the home page's tile map of the regions and map of the cities),
  ``framing`` (the publisher's footer, meta descriptions, sitemap.xml and robots.txt),
  ``input_warnings`` (the warnings about the inputs in words), ``audit_report`` (the sections of a
  run's statistical audit report, read from its result tables);
* ``stages`` — one function per stage notebook;
* ``scenarios`` — scenarios in memory (``iqlib.scenario(...).compute()``), computed with
  the stages' functions;
* ``publishing`` — ``run`` (the papermill chain and atomic publishing), ``execute`` (the
  stage notebooks in a child process), ``manifest``, ``contract`` (what a re-run must
  reproduce), ``machine``, ``verify``, ``notebook_html`` (offline notebook pages), ``site``
  (``iq site``: the static site of every published run), ``home`` (the site's home page), ``maps``
  (the home page's maps of a run), ``passport`` (a city's passport: its page's context and its A4
  PDF), ``pdf`` (the PDFs' fonts and colours), ``audit_report`` (the statistical audit report of a
  run: its page and PDF in audit/), ``opendata`` (a run's Frictionless data package and its zip, the site's JSON API),
  ``codebook`` (a page per indicator: goalposts, rules, distribution), ``compare`` (``iq compare``:
  two runs side by side), ``series`` (``iq series``: the index across editions),
  ``series_checks`` (every run a series reads verified and matched to its params first),
  ``officials_book`` (the officials' Excel book and CSV for Excel of a run and of a series),
  ``filenames`` (the names of the downloads, ``iq-<edition>-<scenario>``), ``audit_workbook`` (the
  auditor's workbook: the whole calculation as live spreadsheet formulas), ``optimise``
  (``iq optimise-weights``: the optimised weights as a scenario file and a table);
  ``explorer`` — the what-if widgets of ``notebooks/whatif.ipynb``;
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
