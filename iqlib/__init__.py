"""iqlib — the thin library behind the «IQ городов» notebooks.

Modules are named after what they do:

* set-up: ``params`` (edition, methodology and scenario YAML), ``methods`` (the method
  choices as validated models), ``paths`` (files from the project root), ``errors``
  (user-facing errors);
* inputs: ``inputs`` (read and validate data), ``derive`` (derived indicators),
  ``template`` (fill-in templates for data submitters), ``demo`` (synthetic demo data);
* computation: ``impute``, ``treat``, ``normalise``, ``aggregate``, ``ranking`` (ranks and
  publication rounding), ``engine`` (the steps chained in one call);
* analysis: ``audit`` (statistical audit), ``diagnostics`` (effective weights,
  leave-one-out), ``uncertainty`` and ``sensitivity`` (of the ranks);
* running: ``stages`` (one function per notebook stage), ``report`` (tables, charts,
  pages), ``run`` (papermill chain, publishing, manifest), ``execute`` (one stage notebook
  in a child process), ``contract`` (what a re-run must reproduce, exactly or within a
  tolerance), ``machine`` (the CPU and BLAS a run was computed on), ``verify`` (check a
  published run), ``cli`` (the ``iq`` command).
"""

__version__ = "0.1.0"
