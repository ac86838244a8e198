"""Open data for re-users who script: a Frictionless data package per run and a static JSON API.

Per run (``site/<edition>/<scenario>/downloads/``):
  ``data/datapackage.json``   a Frictionless data package (v1) describing every CSV already
                              copied to ``data/`` (the run's ``results/*.csv``): per resource its
                              path, size, sha256, titles and descriptions in every catalogue
                              language, and a table schema (types inferred from the published
                              text, units of the indicator kinds, primary key, ``missingValues``);
                              the package: licence, sources, publisher, keywords, ``synthetic``;
  ``data/README.md``          a short note in the run's language;
  ``iq-<edition>-<scenario>-data.zip``  the folder ``data/`` zipped with fixed timestamps and
                              sorted members (the same inputs give the same bytes).

For the whole site (``site/api/v1/``, documented in the README, «JSON API»):
  ``index.json``              every run with the addresses of its JSON, pages and package;
  ``<edition>/<scenario>.json``  every city of a run as published in ``scores.csv`` (IQ and the
                              directions at the published decimals, places, rank interval);
  ``cities/<city_id>.json``   a city's history across the published base editions;
  ``series.json``             the national and group averages of each base edition.

Every file is written deterministically (fixed key order, ``ensure_ascii=False``, a final
newline); nothing here recomputes a score: the numbers are those of the published tables.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd

from iqlib.config.params import Params
from iqlib.presentation.text import column_label, table_title
from iqlib.presentation.titles import run_title
from iqlib.presentation.words import languages, word, words
from iqlib.publishing import codebook
from iqlib.publishing.filenames import run_stem

API = "api/v1"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)        # the earliest a zip can record: no build time in the bytes
_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")   # as pandas writes floats; 01 is a code
# candidate primary keys, first that holds (unique, never empty) wins
_KEYS = (("city_id",), ("indicator",), ("code",), ("city_id", "indicator"), ("level", "parent", "child"),
         ("group",), ("rank",), ("id",), ("output", "input"), ("samples", "input"), ("input", "alternative"),
         ("dropped",), ("aggregate",), ("city_id", "aggregate"))


def in_language(params: Params, language: str) -> Params:
    """The same params read in ``language`` (names, titles, column labels)."""
    other = copy.copy(params)
    other.edition = params.edition.model_copy(update={"language": language})
    return other


def dump(data: Any, compact: bool = False) -> str:
    """JSON as every file here is written: the keys in the order given, UTF-8 text, a final
    newline; indented for a reader (the data package), or compact (the API: a third of the size)."""
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
    return json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")


# --------------------------------------------------------------------------- the data package
def field_type(values: list[str]) -> str:
    """The Table Schema type of a column from its published text: integer, number, boolean
    (True/False as pandas writes them) or string; an empty column is a string."""
    present = [v for v in values if v != ""]
    if not present:
        return "string"
    if all(_INTEGER.fullmatch(v) for v in present):
        return "integer"
    if all(_NUMBER.fullmatch(v) for v in present):
        return "number"
    if all(v in ("True", "False") for v in present):
        return "boolean"
    return "string"


def _primary_key(header: list[str], rows: list[list[str]]) -> list[str] | None:
    for key in _KEYS:
        if not set(key) <= set(header) or not rows:
            continue
        at = [header.index(k) for k in key]
        tuples = [tuple(r[i] for i in at) for r in rows]
        if all(all(t) for t in tuples) and len(set(tuples)) == len(tuples):
            return list(key)
    return None


class Describer:
    """The words of one run's package in every catalogue language."""

    def __init__(self, params: Params):
        self.p = params
        self.langs = languages()
        self.by_lang = {lang: in_language(params, lang) for lang in self.langs}
        meth = params.methodology
        self.indicators = set(meth.indicator_codes())
        self.nodes = self.indicators | {a.code for a in meth.aggregates}

    def texts(self, key: str, **fields: Any) -> dict[str, str]:
        """``opendata.<key>`` in every language, each with ``fields`` filled (a callable field is
        called with that language's params)."""
        return {lang: str(word(lang, f"opendata.{key}", **{k: v(p) if callable(v) else v for k, v in fields.items()}))
                for lang, p in self.by_lang.items()}

    def localised(self, out: dict, name: str, texts: dict[str, str]) -> None:
        """``name`` in the run's language, then ``name_<language>`` for every language."""
        out[name] = texts[self.p.language]
        for lang in self.langs:
            out[f"{name}_{lang}"] = texts[lang]

    def field(self, table: str, column: str, kind: str) -> dict:
        out: dict[str, Any] = {"name": column, "type": kind}
        titles = {lang: column_label(p, column) for lang, p in self.by_lang.items()}
        self.localised(out, "title", titles)
        if column in self.nodes:
            node = self.p.methodology.node(column)
            ctx = {"code": column, "name": lambda p: p.name(column), "decimals": self.p.methodology.scoring.decimals}
            known = {k.split(".")[-1] for k in words(self.p.language, "opendata.node")}
            form = table if table in known else "default"
            descriptions = self.texts(f"node.{form}", **ctx)
            if column in self.indicators and table == "values":
                kind_of = self.p.methodology.kinds[node.kind]       # type: ignore[union-attr]
                for lang in self.langs:
                    descriptions[lang] += " " + str(word(lang, "opendata.polarity", polarity=word(
                        lang, f"opendata.polarity_{'up' if node.polarity > 0 else 'down'}")))  # type: ignore[union-attr]
                units = {lang: p.local(kind_of, "unit") for lang, p in self.by_lang.items()}
                self.localised(out, "unit", units)
            elif table in ("scores", "aggregates", "normalised"):
                self.localised(out, "unit", self.texts("points"))
        else:
            known = set(words(self.p.language, "opendata.columns"))
            if column in known:
                descriptions = self.texts(f"columns.{column}")
            else:
                descriptions = self.texts("column_of", label=lambda p: column_label(p, column),
                                          table=lambda p: table_title(p.language, table))
        self.localised(out, "description", descriptions)
        return out

    def resource(self, path: Path) -> dict:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        rows = list(csv.reader(io.StringIO(text, newline="")))
        header, body = rows[0], rows[1:]
        columns = list(zip(*body)) if body else [() for _ in header]
        table = path.stem
        fields = [self.field(table, c, field_type(list(v))) for c, v in zip(header, columns)]
        schema: dict[str, Any] = {"fields": fields, "missingValues": [""]}
        key = _primary_key(header, body)
        if key:
            schema["primaryKey"] = key
        out: dict[str, Any] = {"name": table.lower(), "path": path.name, "profile": "tabular-data-resource"}
        titles = {lang: table_title(lang, table) for lang in self.langs}
        self.localised(out, "title", titles)
        known = set(words(self.p.language, "opendata.tables"))
        self.localised(out, "description", self.texts(f"tables.{table}") if table in known else titles)
        out.update({"format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "bytes": len(raw),
                    "hash": f"sha256:{hashlib.sha256(raw).hexdigest()}",
                    "dialect": {"delimiter": ",", "quoteChar": '"', "doubleQuote": True, "header": True},
                    "schema": schema})
        return out


def licence(params: Params) -> list[dict] | None:
    """The licence of the edition's ``publication:`` block as Frictionless names it: an
    identifier from its name ('CC BY 4.0' → 'CC-BY-4.0'), its text's address and its name."""
    pub = params.edition.publication
    if pub is None:
        return None
    ident = re.sub(r"[^A-Za-z0-9.]+", "-", pub.licence.name).strip("-")
    return [{"name": ident, "path": pub.licence.url, "title": pub.licence.name}]


def package(params: Params, folder: Path, manifest: dict) -> dict:
    """The data package of the CSV files in ``folder`` (a run's ``downloads/data``)."""
    d = Describer(params)
    ed = params.edition
    pub = ed.publication
    out: dict[str, Any] = {"profile": "tabular-data-package", "name": run_stem(params)}
    titles = {lang: run_title(p) for lang, p in d.by_lang.items()}
    d.localised(out, "title", titles)
    descriptions = d.texts("package_description", title=run_title, method=lambda p: p.methodology_title)
    if ed.synthetic:
        descriptions = {lang: f"{text} {word(lang, 'opendata.synthetic_notice')}" for lang, text in descriptions.items()}
    d.localised(out, "description", descriptions)
    out["synthetic"] = ed.synthetic
    out["version"] = pub.date_published.isoformat() if pub else str(ed.edition)
    out["created"] = manifest.get("finished") or manifest.get("started") or ""
    out["edition"], out["data_year"], out["scenario"] = ed.edition, ed.data_year, ed.scenario
    out["method"] = {"id": params.methodology.id, "title": params.methodology_title,
                     "decimals": params.methodology.scoring.decimals}
    found = licence(params)
    if found:
        out["licenses"] = found
    if pub:
        out["contributors"] = [{"title": params.local(pub, "publisher"), "role": "publisher",
                                **({"path": pub.contact} if pub.contact.startswith(("http://", "https://"))
                                   else {"email": pub.contact})}]
        out["homepage"] = pub.base_url
    sources = [{"title": s} for s in params.methodology.sources]
    for key, path in sorted(ed.inputs.model_dump(exclude_none=True).items()):
        sources.append({"title": str(word(params.language, "opendata.source_input", name=key, path=path))})
    out["sources"] = sources
    out["keywords"] = str(word(params.language, "opendata.keywords")).split("; ")
    out["resources"] = [d.resource(p) for p in sorted(folder.glob("*.csv"))]
    return out


def readme(params: Params, pack: dict) -> str:
    """A short README.md for the package's folder, in the run's language."""
    lang = params.language
    w = words(lang, "opendata.readme")
    lines = [f"# {pack['title']}", "", pack["description"], "", w["files"], ""]
    lines += [f"- `{r['path']}` — {r['title']}" for r in pack["resources"]]
    lines += ["", w["package"].format(file="datapackage.json", standard="Frictionless Data Package"), "",
              w["python"].format(tool="Python"), "", "```python", "import pandas as pd",
              'scores = pd.read_csv("scores.csv")', "# pip install frictionless",
              "from frictionless import Package", 'package = Package("datapackage.json")', "```", ""]
    if "licenses" in pack:
        lic = pack["licenses"][0]
        lines += [w["licence"].format(name=lic["title"], url=lic["path"]), ""]
    return "\n".join(lines)


def zip_folder(folder: Path, target: Path, top: str) -> None:
    """``folder``'s files zipped under ``top/`` with fixed timestamps and sorted members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(f"{top}/{path.relative_to(folder).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, path.read_bytes(), compresslevel=9)
    target.write_bytes(buffer.getvalue())


def write_run(site_run: Any) -> None:
    """A run's open data (after ``SiteRun.downloads()`` copied the CSVs): the data package,
    its README and the zip, then the codebook pages (``publishing.codebook``)."""
    r, out = site_run.r, site_run.out
    data = out / "downloads" / "data"
    manifest = json.loads((r.folder / "manifest.json").read_text(encoding="utf-8"))
    pack = package(r.params, data, manifest)
    _write(data / "datapackage.json", dump(pack))
    _write(data / "README.md", readme(r.params, pack))
    stem = run_stem(r.params)
    zip_folder(data, out / "downloads" / f"{stem}-data.zip", f"{stem}-data")
    codebook.write(site_run)


def links(params: Params) -> list[dict]:
    """The edition page's links to the open data of its run (relative to the run's folder)."""
    w = words(params.language, "opendata.links")
    stem = run_stem(params)
    return [{"href": f"downloads/{stem}-data.zip", "text": w["zip"], "note": w["zip_note"]},
            {"href": "downloads/data/datapackage.json", "text": w["package"], "note": w["package_note"]},
            {"href": "indicators/index.html", "text": w["codebook"], "note": ""},
            {"href": "../../api/v1/index.json", "text": w["api"], "note": w["api_note"]}]


# --------------------------------------------------------------------------- the JSON API
def _num(x: object) -> float | None:
    if x is None or pd.isna(x):
        return None
    return float(x)  # type: ignore[arg-type]


def _int(x: object) -> int | None:
    return None if pd.isna(x) else int(x)  # type: ignore[call-overload]


def _interval(run: Any, cid: str) -> dict | None:
    iv = run.intervals
    if iv is None or cid not in iv.index or pd.isna(iv.at[cid, "low"]):
        return None
    return {"low": int(iv.at[cid, "low"]), "high": int(iv.at[cid, "high"])}


def _urls(run: Any) -> dict:
    stem = run_stem(run.params)
    return {"json": f"{API}/{run.key}.json", "page": f"{run.key}/index.html",
            "datapackage": f"{run.key}/downloads/data/datapackage.json", "zip": f"{run.key}/downloads/{stem}-data.zip",
            "codebook": f"{run.key}/indicators/index.html"}


def run_entry(run: Any) -> dict:
    """What ``index.json`` says about a run."""
    p = run.params
    return {"edition": p.edition.edition, "data_year": p.edition.data_year, "scenario": p.edition.scenario,
            "base": p.extends is None, "title": run.title, "synthetic": p.edition.synthetic, **_urls(run)}


def run_json(run: Any) -> dict:
    """A run's cities as published: ``scores.csv`` (IQ, directions, places) and the rank
    interval of ``uncertainty.csv``; missing as null."""
    p = run.params
    meth = p.methodology
    code = meth.index_code
    directions = meth.level_codes(meth.levels[-2]) if len(meth.levels) > 2 else []
    groups = {g: {"code": g, "name": p.group_name(g)} for g in p.group_codes}
    cities = []
    for cid, c in run.scores.iterrows():
        cities.append({"id": cid, "name": c["city_ru"], "region": c["region_ru"], "group": groups.get(c["group"]),
                       code: _num(c[code]), "directions": {d: _num(c[d]) for d in directions},
                       "rank_in_group": _int(c["rank_in_group"]), "rank_overall": _int(c["rank_overall"]),
                       "interval": _interval(run, cid), "page": f"{run.key}/city/{cid}.html"})
    u = p.edition.uncertainty
    return {**run_entry(run), "method": {"id": meth.id, "title": p.methodology_title},
            "decimals": meth.scoring.decimals, "max_score": meth.scoring.max_score, "index": code,
            "index_name": p.name(code), "directions": [{"code": d, "name": p.name(d)} for d in directions],
            "groups": list(groups.values()),
            "interval": None if u is None else {"low_percentile": u.interval[0], "high_percentile": u.interval[1],
                                                "replications": u.replications, "scope": "group"},
            "cities": cities}


def write_api(site: Path, runs: list[Any]) -> None:
    """``site/api/v1/``: the index, a file per run, a file per city (its history over the
    published base editions) and the series of averages."""
    api = site / API
    runs = sorted(runs, key=lambda r: (r.params.edition.edition, r.params.extends is not None, r.key))
    bases = [r for r in runs if r.params.extends is None]
    index = {"version": "v1", "synthetic": any(r.params.edition.synthetic for r in runs),
             "runs": [run_entry(r) for r in runs],
             "city": f"{API}/cities/{{city_id}}.json", "series": f"{API}/series.json"}
    _write(api / "index.json", dump(index, compact=True))
    for r in runs:
        _write(api / f"{r.key}.json", dump(run_json(r), compact=True))
    history: dict[str, list[dict]] = {}
    latest: dict[str, dict] = {}
    for r in bases:
        p = r.params
        code = p.methodology.index_code
        for cid, c in r.scores.iterrows():
            history.setdefault(cid, []).append(
                {"edition": p.edition.edition, "data_year": p.edition.data_year, "scenario": p.edition.scenario,
                 "group": {"code": c["group"], "name": p.group_name(c["group"])}, code: _num(c[code]),
                 "rank_in_group": _int(c["rank_in_group"]), "rank_overall": _int(c["rank_overall"]),
                 "interval": _interval(r, cid), "synthetic": p.edition.synthetic, "page": f"{r.key}/city/{cid}.html"})
            latest[cid] = {"name": c["city_ru"], "region": c["region_ru"]}
    for cid in sorted(history):
        _write(api / "cities" / f"{cid}.json", dump({"id": cid, **latest[cid], "history": history[cid]}, compact=True))
    series = []
    for r in bases:
        p = r.params
        s = r.summary.set_index("group")
        series.append({"edition": p.edition.edition, "data_year": p.edition.data_year, "synthetic": p.edition.synthetic,
                       "cities": len(r.scores), "average": _num(s.at["all", "mean"]) if "all" in s.index else None,
                       "groups": [{"code": g, "name": p.group_name(g),
                                   "cities": _int(s.at[g, "cities"]) if g in s.index else 0,
                                   "average": _num(s.at[g, "mean"]) if g in s.index else None} for g in p.group_codes]})
    _write(api / "series.json", dump({"version": "v1", "index": bases[0].params.methodology.index_code if bases else None,
                                      "editions": series}, compact=True))
