"""iqlib — the thin library behind the «IQ городов» notebooks.

Modules are named after what they do: ``params`` (edition and methodology YAML),
``inputs`` (read and validate data), ``scoring`` (normalise, aggregate, rank),
``stages`` (one function per notebook stage), ``report`` (tables, charts, pages),
``run`` (papermill chain, publishing, manifest), ``demo`` (synthetic demo data).
"""

__version__ = "0.1.0"
