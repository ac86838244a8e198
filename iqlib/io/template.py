"""Fill-in templates for data submitters, generated from the methodology and roster.

One row per city of the edition's roster; one column per value to submit — each indicator
given directly, or the raw fields (questionnaire sub-criteria, numerators) of a derived
one — headed by its code and its Russian name and unit ("I05 Доля городских служб…, доля,
%"). The loader reads such headers by their code, so a filled template loads as it is.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font

from iqlib.config.params import Params
from iqlib.io import derive
from iqlib.io.runfolder import escape_formulas

NOTICE = ("# Шаблон для заполнения: значения показателей «IQ городов», методика {method}, издание {edition}. "
          "Одна строка — один город; пустая ячейка — нет данных; наличие и подкритерии: да/нет или 1/0; "
          "доли — в процентах (0–100). Не меняйте коды в начале заголовков.")


def columns(params: Params) -> list[tuple[str, str]]:
    """(field, header) of every column to fill, in methodology order."""
    meth = params.methodology
    out = [("city_id", "city_id"), ("city_ru", "city_ru Город")]
    for ind in meth.indicators:
        unit = f", {ind.unit}"
        if ind.derive is None:
            out.append((ind.code, f"{ind.code} {ind.name_ru}{unit}"))
            continue
        for j, (name, kind) in enumerate(derive.fields_of(ind).items(), 1):
            if name in ("population",):
                continue
            what = f"подкритерий {j} (да/нет)" if kind == "yesno" else ("числитель" if j == 1 else "знаменатель")
            out.append((name, f"{name} {ind.name_ru} — {what}"))
    return out


def write_templates(params: Params, cities: pd.DataFrame, folder: Path) -> list[Path]:
    """The CSV (UTF-8 with BOM, for Excel) and XLSX templates in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    cols = columns(params)
    stem = f"{params.methodology.id}_{params.edition.edition}_values"
    notice = NOTICE.format(method=params.methodology.id, edition=params.edition.edition)
    rows = [[city, name] + [""] * (len(cols) - 2) for city, name in zip(cities["city_id"], cities["city_ru"])]
    rows = escape_formulas(pd.DataFrame(rows)).to_numpy().tolist()   # a city called =… stays text
    csv_path = folder / f"{stem}.csv"
    with open(csv_path, "w", encoding="utf-8-sig", newline="") as f:
        f.write(notice + "\n")
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow([h for _, h in cols])
        writer.writerows(rows)
    wb = Workbook()
    ws = wb.active
    ws.title = "значения"
    ws.append([notice])
    ws.append([h for _, h in cols])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    ws.freeze_panes = "C3"
    info = wb.create_sheet("показатели")
    info.append(["код", "показатель", "вид", "единица", "полярность", "направление"])
    indicators = pd.DataFrame([[i.code, i.name_ru, i.kind, i.unit, i.polarity, i.parent]
                               for i in params.methodology.indicators])
    for row in escape_formulas(indicators).to_numpy().tolist():
        info.append(row)
    xlsx_path = folder / f"{stem}.xlsx"
    wb.save(xlsx_path)
    return [csv_path, xlsx_path]
