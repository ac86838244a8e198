"""The ``iq`` command. User mistakes print one message and exit 2; a failing stage
exits 1 naming the stage and cell."""

from __future__ import annotations

import argparse
import sys
import time

from iqlib.config.paths import display
from iqlib.core.errors import UserError


def _run(args: argparse.Namespace) -> int:
    from iqlib.config.names import check_out
    from iqlib.publishing.run import run

    if args.out:        # a run may go to outputs/<edition>/<name> (a published run: --force to replace one)
        check_out(args.out, "iq run", publish=True)
    print(f"iq run {args.params}" + (" --draft" if args.draft else ""))
    t0 = time.perf_counter()
    dest = run(args.params, out=args.out, publish=args.publish, force=args.force, draft=args.draft)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    print(f"Run folder: {display(dest)}")
    print(f"Index page: {display(dest / 'index.html')}")
    return 0


def _demo_data(args: argparse.Namespace) -> int:
    from iqlib.config.params import load_params
    from iqlib.io.calibrate import make_demo_values

    params = load_params(args.params, check_inputs=False)
    if not params.edition.synthetic:
        raise UserError(f"{args.params}: key 'synthetic' is false; demo data is only generated "
                        f"for synthetic editions (it would overwrite real inputs)")
    path = make_demo_values(params)
    print(f"wrote {display(path)} (synthetic, seed {params.edition.seed})")
    return 0


def _validate(args: argparse.Namespace) -> int:
    from iqlib import stages
    from iqlib.config.params import load_params
    from iqlib.io import inputs
    from iqlib.presentation import input_warnings

    params = load_params(args.params)
    data = inputs.load(params)
    v = data.values
    print(f"{display(params.edition_path)}: valid")
    print(f"  cities: {len(data.cities)}; indicators: {v.shape[1]}; values present: "
          f"{int(v.notna().sum().sum())}; missing: {len(data.missing)}")
    total = data.accounting.iloc[-1]
    print(f"  accounting: {total['cities']} cells = {total['read']} read ({total['used']} used, "
          f"{total['rejected']} rejected) + {total['missing']} missing ({total['to_impute']} to impute, "
          f"{total['left_missing']} left missing)")
    if params.edition.uncertainty:
        print(f"  uncertainty: {stages.check_uncertainty(params, data)} combinations of alternatives, "
              f"each computed once; {params.edition.uncertainty.replications} replications")
    for line in input_warnings.lines(stages.warnings_in_words(data, params)):
        print(line)
    for _, row in data.group_disagreements.iterrows():
        print(f"  note: {row['city_id']}: population {row['population']} gives group "
              f"{row['group_computed']}, official list says {row['group_official']} (official used)")
    return 0


def _template(args: argparse.Namespace) -> int:
    from iqlib.config.names import check_out
    from iqlib.config.params import load_params
    from iqlib.io.roster import load_cities
    from iqlib.io.template import write_templates

    out = check_out(args.out, "iq template", sources=False)        # data/templates by default
    params = load_params(args.params, check_inputs=False)
    cities, _ = load_cities(params)
    for path in write_templates(params, cities, out):
        print(f"wrote {display(path)}")
    return 0


def _verify(args: argparse.Namespace) -> int:
    from iqlib.publishing.verify import render, verify

    t0 = time.perf_counter()
    if args.quick and args.against:
        raise UserError("--quick re-runs nothing and compares nothing: use it without --against")
    if args.against:            # a re-run to compare with: a run folder, or one message saying why not
        from pathlib import Path

        from iqlib.io.runfolder import run_manifest

        try:
            run_manifest(Path(args.against).resolve())
        except UserError as exc:
            raise UserError(f"--against {exc}") from None
    report = verify(args.run_dir, rerun=not args.quick, against=args.against, log=lambda msg: print(msg, flush=True))
    print(render(args.run_dir, report), end="")
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0 if report.ok else 1


def _site(args: argparse.Namespace) -> int:
    from iqlib.config import names
    from iqlib.config.paths import resolve
    from iqlib.publishing.site import build

    out, outputs = names.check_out(args.out, "iq site"), resolve(args.outputs).resolve()
    if out == outputs or out in outputs.parents or outputs in out.parents:
        raise UserError(f"iq site: --out {display(out)} holds or is inside the published runs' folder "
                        f"{display(outputs)} (--outputs); the site replaces its folder whole: write it elsewhere")
    if out.exists() and not (out.is_dir() and (names.is_site(out) or not any(out.iterdir()))):
        raise UserError(f"iq site: --out {display(out)} exists and holds no site (iq site replaces its folder whole); "
                        f"choose another --out or empty it")
    names.check_free(out, "iq site: --out")
    t0 = time.perf_counter()
    print(f"iq site: the published runs of {args.outputs} into {args.out}/")
    dest = build(outputs, out, args.language)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    print(f"Site: {display(dest / 'index.html')}")
    return 0


def _series(args: argparse.Namespace) -> int:
    from iqlib.config.names import check_out
    from iqlib.config.paths import resolve
    from iqlib.publishing import series

    if args.out:        # outputs/series/<name> with --publish only
        check_out(resolve(args.out), "iq series", publish=args.publish)
    t0 = time.perf_counter()
    dest = series.run(args.series, publish=args.publish, out=args.out, force=args.force)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    print(f"Series folder: {display(dest)}")
    print(f"Page: {display(dest / 'index.html')}")
    return 0


def _compare(args: argparse.Namespace) -> int:
    from iqlib.config.names import check_out
    from iqlib.config.paths import resolve
    from iqlib.publishing.compare import compare_runs

    out = check_out(args.out, "iq compare") if args.out else None
    t0 = time.perf_counter()
    dest = compare_runs(resolve(args.run_a), resolve(args.run_b), out,
                        force=args.force, language=args.language)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    print(f"Comparison: {display(dest / 'index.html')}")
    return 0


def _optimise_weights(args: argparse.Namespace) -> int:
    from iqlib.publishing.optimise import optimise, parse_targets

    t0 = time.perf_counter()
    written = optimise(args.edition, args.level, parse_targets(args.target), args.correlation, args.out, args.name)
    r = written.result
    print(f"iq optimise-weights {args.edition} --level {args.level} ({r.correlation} correlations with the index)")
    print(r.table().assign(target=r.targets.to_numpy()).to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    print(f"objective log(mean squared gap): {r.objective_nominal:.4f} nominal → {r.objective:.4f} optimised "
          f"({r.evaluations} evaluations, {'converged' if r.converged else 'NOT converged'}, "
          f"{time.perf_counter() - t0:.1f} s)")
    print(f"Scenario: {display(written.scenario)}  (iq run {display(written.scenario)} --draft)")
    print(f"Table: {display(written.table)}")
    return 0


def _add_optimise_weights(sub: argparse._SubParsersAction) -> None:
    o = sub.add_parser("optimise-weights", help="weights of one level optimised so that each component's share of the "
                                                "correlations with the index matches a target (COINr's get_opt_weights)")
    o.add_argument("edition", help="edition or scenario YAML, e.g. params/editions/2019.yaml")
    o.add_argument("--level", required=True, help="the level whose weights are optimised, e.g. direction")
    o.add_argument("--target", action="append", metavar="CODE=VALUE",
                   help="relative importance of a node of the level (repeatable; a node not named: 1; default: equal)")
    o.add_argument("--correlation", choices=["pearson", "spearman"], default="pearson",
                   help="correlation of each node with the index (default pearson)")
    o.add_argument("--out", required=True, metavar="DIR", help="folder for <name>.yaml (the scenario) and <name>.csv")
    o.add_argument("--name", help="the scenario's name (default optimised-<level>)")
    o.set_defaults(func=_optimise_weights)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="iq", description="IQ городов: compute and publish the index.")
    sub = p.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="run the five stage notebooks on an edition")
    r.add_argument("params", help="edition YAML, e.g. params/editions/2019.yaml")
    r.add_argument("--out", help="run folder (default runs/<edition>/<scenario>, or outputs/... with --publish)")
    r.add_argument("--publish", action="store_true", help="write to outputs/<edition>/<scenario>")
    r.add_argument("--force", action="store_true", help="replace an existing published run")
    r.add_argument("--draft", action="store_true",
                   help="a quick draft: no uncertainty or sensitivity analysis, no notebook pages; never published "
                        "(runs/<edition>/<scenario>-draft)")
    r.set_defaults(func=_run)
    d = sub.add_parser("demo-data", help="regenerate the synthetic values of a demo edition")
    d.add_argument("params")
    d.set_defaults(func=_demo_data)
    v = sub.add_parser("validate", help="check an edition's params and inputs without running")
    v.add_argument("params")
    v.set_defaults(func=_validate)
    t = sub.add_parser("template", help="write fill-in templates (CSV and XLSX) for data submitters")
    t.add_argument("params")
    t.add_argument("--out", default="data/templates", help="folder (default data/templates)")
    t.set_defaults(func=_template)
    _add_optimise_weights(sub)
    f = sub.add_parser("verify", help="check a published run: checksums, inputs, notebooks, and a full re-run")
    f.add_argument("run_dir", help="a run folder, e.g. outputs/2019/base")
    f.add_argument("--quick", action="store_true", help="integrity checks only, no re-run")
    f.add_argument("--against", metavar="DIR",
                   help="compare with this existing re-run (e.g. one made on another machine) instead of re-running")
    f.set_defaults(func=_verify)
    s = sub.add_parser("site", help="build the static site of every published run (edition, group, city, method pages)")
    s.add_argument("--outputs", default="outputs", help="folder of published runs (default outputs)")
    s.add_argument("--out", default="site", help="site folder, replaced (default site)")
    s.add_argument("--language", choices=["ru", "en"], help="language of every page (default: each edition's own)")
    s.set_defaults(func=_site)
    c = sub.add_parser("compare", help="compare two runs: shifts per group, correlations, charts, CSV, XLSX, a page")
    c.add_argument("run_a", help="run folder A, e.g. outputs/2019/base")
    c.add_argument("run_b", help="run folder B, e.g. outputs/2019/reference-bounds")
    c.add_argument("--out", help="folder for the comparison (default runs/comparisons/<A>__<B>)")
    c.add_argument("--force", action="store_true", help="compare runs of different frameworks (the index only)")
    c.add_argument("--language", choices=["ru", "en"], help="language of the page and tables (default: B's)")
    c.set_defaults(func=_compare)
    e = sub.add_parser("series", help="the index across published editions: averages against the official series, "
                                      "growth, city changes, fixed goalposts (runs notebooks/series.ipynb)")
    e.add_argument("series", help="series YAML, e.g. params/series/iq_v1.yaml")
    e.add_argument("--out", help="folder (default runs/series/<name>, or outputs/series/<name> with --publish)")
    e.add_argument("--publish", action="store_true", help="write to outputs/series/<name>")
    e.add_argument("--force", action="store_true", help="replace an existing folder")
    e.set_defaults(func=_series)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was published", file=sys.stderr)
        return 130
    except BrokenPipeError:        # output piped into a reader that stopped (| head): no traceback
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # a failing stage: say which, no traceback of ours
        from iqlib.publishing.run import StageError

        if isinstance(exc, StageError):
            print(f"error: {exc}\nnothing was published", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
