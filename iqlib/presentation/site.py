"""The pages of the publication site: jinja2 templates (every value autoescaped) rendered
from prepared tables. ``publishing.site`` gathers the published runs and writes the files;
nothing here reads or writes a file.

Pages link relatively (``root`` is the way back to the site's top), so the site works from
``file://`` and from any static host; the stylesheet and the script are content-addressed
files under ``assets/``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from jinja2 import DictLoader, Environment, StrictUndefined, select_autoescape

from iqlib.presentation.text import number

WORDS: dict[str, dict[str, str]] = {
    "ru": {
        "series_heading": "Ряды по годам",
        "site": "IQ городов: опубликованные расчёты", "editions": "Опубликованные расчёты", "edition": "Издание",
        "scenario": "сценарий", "synthetic": "Синтетические демонстрационные данные — не официальные значения",
        "cities": "Городов", "groups": "Группы", "average": "Среднее по всем городам", "group": "Группа",
        "leaders": "Лидеры групп", "rank": "Место", "city": "Город", "region": "Субъект РФ",
        "interval": "Интервал места", "change": "Изменение места к прошлому изданию", "score": "Балл",
        "method": "Методика", "robustness": "Устойчивость мест", "downloads": "Скачать", "notebooks": "Исполненные блокноты",
        "filter": "Фильтр по городу или субъекту", "sort": "Сортировать по столбцу", "imputed": "оценено по правилу пропусков",
        "missing": "нет данных", "mark_note": "* — в балле есть заполненные или отсутствующие значения показателей",
        "place_group": "Место в группе", "place_all": "Место среди всех городов", "directions": "Направления",
        "median": "Медиана группы", "leader": "Лидер группы", "indicators": "Показатели", "raw": "Значение",
        "normalised": "Нормированный балл", "status": "Статус", "strengths": "Сильные стороны",
        "weaknesses": "Слабые стороны", "history": "По изданиям", "up": "выше медианы группы на",
        "down": "ниже медианы группы на", "confirmed": "Подтверждено", "reconstructed": "Реконструировано",
        "framework": "Структура индекса", "nominal": "номинальная доля", "effective": "доля дисперсии",
        "choices": "Методы расчёта", "differences": "Отличия сценария от базового издания", "none": "Нет.",
        "intervals_title": "Интервалы мест в группе", "sobol": "Чувствительность: индексы Соболя",
        "how_to_read": "Как читать", "xlsx": "Книга Excel со всеми таблицами",
        "csv_excel": "Таблицы CSV для Excel (UTF-8 с BOM, «;», десятичная запятая)",
        "csv_machine": "Таблицы CSV для программ (как в папке запуска)",
        "auditor": "страницы с кодом (для аудиторов)", "reader": "страницы без кода",
        "home": "Все расчёты", "of": "из", "weight": "Вес", "level": "Уровень", "unranked": "без места",
        "choice": "Решение", "how": "Как считается", "node_reconstructed": "реконструировано",
        "assignment_inferred": "направление выведено, не подтверждено",
        "regions": "Регионы", "best_city": "Лучший город",
        "official": "Официальные данные и этот расчёт",
        "series_intro": "Средний IQ всех городов, рост к базовому {base} году и изменения городов от издания к изданию "
                        "по опубликованным расчётам каждого издания (методика {methods}).",
        "series_averages": "Средний IQ: официально и в этом расчёте", "year": "Год",
        "official_growth": "Рост к {base} г., % (офиц.)", "calc_growth": "Рост к {base} г., % (расчёт)",
        "fixed_average": "Средний IQ, фиксированные границы", "fixed_growth": "Рост к {base} г., %, фикс. границы",
        "series_note": "Мин–макс внутри группы каждого года — подвижная шкала: балл города зависит от лучшего и худшего "
                       "города группы в этом году, и рост среднего отчасти отражает шкалу. Фиксированные границы "
                       "(от данных базового года) — одна шкала на все годы: их рост — реальное улучшение показателей. "
                       "Годы без издания — только официальная справка.",
        "series_regions": "Первые десять субъектов РФ последнего издания по среднему IQ их городов (правило regions: "
                          "методики) и их значения в прежних изданиях; пустая клетка — субъекта не было в рейтинге.",
        "series_methods": "В ряду издания разных методик ({methods}): их баллы в разных шкалах. Каждая методика — своя "
                          "линия на графике; рост к базовому году считается только внутри методики базового года.",
        "method_version": "Методика",
        "series_groups": "Средний IQ по группам", "series_notebook": "Все таблицы ряда (изменения городов, лидеры роста "
                        "и падения, вошедшие и выбывшие города, смена групп, регионы) — в исполненном блокноте:",
        "official_note": "Места и баллы, опубликованные за этот год данных, рядом с этим расчётом: совпадает {matched} из "
                         "{total} опубликованных цифр. Официальные цифры — справка, на баллы они не влияют.",
        "official_average": "Средний IQ (официально)", "calc_average": "Средний IQ (этот расчёт)",
        "official_rank": "Место (офиц.)", "official_score": "Балл (офиц.)", "calc_rank": "Место (расчёт)",
        "calc_score": "Балл (расчёт)", "match": "Совпадает", "how_published": "Как опубликовано (источник)",
        "conflicts": "Противоречия в опубликованных данных", "no_official_average": "Официальный средний IQ за этот год не опубликован.",
        "regions_note": "Субъекты РФ по баллам своих городов ({rule}); первые десять из {count} (все — в загрузках, "
                        "таблица «Регионы»).",
        "compare": "Сравнение расчётов", "run_a": "Расчёт А", "run_b": "Расчёт Б", "side_a": "А", "side_b": "Б",
        "summary": "Итоги по группам", "scatter": "Баллы городов в А и Б",
        "shift_note": "Сдвиг — место в группе в А минус место в Б: «▲ 3» — в Б город на три места выше. "
                      "ρ и τ — ранговые корреляции Спирмена и Кендалла мест в группе (1 — порядок тот же).",
        "only_one": "Города не в обоих расчётах или в другой группе",
        "index_only": "Структуры методик различаются: сравнивается только индекс (iq compare --force).",
        "largest": "Сильнее всего изменилось", "all_groups": "Все группы", "slopes": "Места в группе в А и Б",
        "moved_line": "Сдвинулись {moved} из {compared}; средний сдвиг {mean}, наибольший {max}; лидер: {leader}.",
        "comparison_xlsx": "Книга Excel (итоги, лист на группу)", "comparison_csv": "Таблица по городам, CSV",
        "summary_csv": "Итоги, CSV", "with_base": "Сравнение с базовым расчётом",
        "comparison_excel": "Таблица по городам для Excel (CSV: UTF-8 с BOM, «;», десятичная запятая)",
        "others_line": "Ещё {n} — в другой группе или только в одном расчёте (список внизу страницы).",
        "draft_note": "ЧЕРНОВИК: один из расчётов — черновик (iq run --draft), не для публикации.",
        "national": "Среднее", "max_note": "Шкала до", "above_max": "выше номинального максимума",
        "interval_short": "Интервал", "change_short": "Изм. к", "place_all_short": "Место (все)",
        "empty_direction": "нет данных: у направления нет ни одного значения показателей (в сумме — 0)",
        "empty_note": "«—» в столбце направления — у города нет ни одного значения его показателей: в сумме оно дало 0.",
        "screened_note": "Без места и баллов — {count} гор. с полнотой данных ниже порога отбора ({threshold}; "
                         "scoring.screening методики): {names}.",
        "unit": "Единица", "as_yaml": "То же в файле сценария (YAML)", "calculation": "Расчёт",
        "base_run": "базовый расчёт",
        "status_of_method": "Подтверждённое и реконструированное — о методике; что меняет сценарий, сказано ниже.",
    },
    "en": {
        "series_heading": "Series across the years",
        "site": "IQ of Cities: published calculations", "editions": "Published calculations", "edition": "Edition",
        "scenario": "scenario", "synthetic": "Synthetic demonstration data — not official values",
        "cities": "Cities", "groups": "Groups", "average": "Average over all cities", "group": "Group",
        "leaders": "Group leaders", "rank": "Rank", "city": "City", "region": "Region",
        "interval": "Rank interval", "change": "Rank change since the previous edition", "score": "Score",
        "method": "Methodology", "robustness": "Robustness of the ranks", "downloads": "Downloads",
        "notebooks": "Executed notebooks", "filter": "Filter by city or region", "sort": "Sort by this column",
        "imputed": "estimated by the missing-data rule", "missing": "no data",
        "mark_note": "* — the score rests on imputed or missing indicator values",
        "place_group": "Rank in group", "place_all": "Overall rank", "directions": "Directions",
        "median": "Group median", "leader": "Group leader", "indicators": "Indicators", "raw": "Value",
        "normalised": "Normalised score", "status": "Status", "strengths": "Strengths", "weaknesses": "Weaknesses",
        "history": "By edition", "up": "above the group median by", "down": "below the group median by",
        "confirmed": "Confirmed", "reconstructed": "Reconstructed", "framework": "Framework",
        "nominal": "nominal share", "effective": "variance share", "choices": "Methods",
        "differences": "How the scenario differs from its base edition", "none": "None.",
        "intervals_title": "Rank intervals in the group", "sobol": "Sensitivity: Sobol indices",
        "how_to_read": "How to read this", "xlsx": "Excel workbook with every table",
        "csv_excel": "CSV tables for Excel (UTF-8 with BOM, ';', decimal comma)",
        "csv_machine": "CSV tables for programs (as in the run folder)",
        "auditor": "pages with code (for auditors)", "reader": "pages without code",
        "home": "All calculations", "of": "of", "weight": "Weight", "level": "Level", "unranked": "unranked",
        "choice": "Choice", "how": "How it is computed", "node_reconstructed": "reconstructed",
        "assignment_inferred": "direction inferred, not confirmed",
        "regions": "Regions", "best_city": "Best city",
        "official": "Official figures and this calculation",
        "series_intro": "The national average, its growth on the base year {base}, and the cities' changes from "
                        "edition to edition, from each edition's published calculation (method {methods}).",
        "series_averages": "National average: official and this calculation", "year": "Year",
        "official_growth": "Growth on {base}, % (official)", "calc_growth": "Growth on {base}, % (calculation)",
        "fixed_average": "Average, fixed goalposts", "fixed_growth": "Growth on {base}, %, fixed goalposts",
        "series_note": "Min–max within each year's group is a moving scale: a city's score depends on that year's best "
                       "and worst city of its group, so part of the growth is the scale. Fixed goalposts (from the base "
                       "year's data) are one scale for every year: their growth is real improvement. Years without an "
                       "edition are official context only.",
        "series_regions": "The last edition's first ten regions by the average of their cities (the methodology's "
                          "regions: rule) and their figures in earlier editions; an empty cell: not in that ranking.",
        "series_methods": "The series holds editions of different methods ({methods}): their scores are on different "
                          "scales. Each method is its own line; growth on the base year only within the base year's method.",
        "method_version": "Method",
        "series_groups": "Average by group", "series_notebook": "Every table of the series (city changes, biggest "
                        "climbers and fallers, cities entering and leaving, group changes, regions) is in the executed notebook:",
        "official_note": "Places and scores published for this data year beside this calculation: {matched} of {total} "
                         "published figures match. The official figures are context; they do not enter the scores.",
        "official_average": "Average (official)", "calc_average": "Average (this calculation)",
        "official_rank": "Rank (official)", "official_score": "Score (official)", "calc_rank": "Rank (calculation)",
        "calc_score": "Score (calculation)", "match": "Matches", "how_published": "How published (source)",
        "conflicts": "Conflicts among the published figures", "no_official_average": "No official average was published for this year.",
        "regions_note": "Regions by the scores of their cities ({rule}); the first ten of {count} (all in the "
                        "downloads, table 'Regions').",
        "compare": "Comparison of two runs", "run_a": "Run A", "run_b": "Run B", "side_a": "A", "side_b": "B",
        "summary": "Summary by group", "scatter": "City scores in A and B",
        "shift_note": "Shift: rank in group in A minus rank in B; '▲ 3' means three places higher in B. "
                      "ρ and τ: Spearman's and Kendall's rank correlations of the ranks in group (1: same order).",
        "only_one": "Cities not in both runs, or in another group",
        "index_only": "The frameworks differ: only the index is compared (iq compare --force).",
        "largest": "Changed most", "all_groups": "All groups", "slopes": "Ranks in group in A and B",
        "moved_line": "{moved} of {compared} moved; mean shift {mean}, largest {max}; leader: {leader}.",
        "comparison_xlsx": "Excel workbook (summary, a sheet per group)", "comparison_csv": "Table by city, CSV",
        "summary_csv": "Summary, CSV", "with_base": "Comparison with the base run",
        "comparison_excel": "Table by city for Excel (CSV: UTF-8 with BOM, ';', decimal comma)",
        "others_line": "{n} more are in another group or in one run only (listed at the foot of the page).",
        "draft_note": "DRAFT: one of the runs is a draft (iq run --draft), not for publication.",
        "national": "Average", "max_note": "Scale up to", "above_max": "above the nominal maximum",
        "interval_short": "Interval", "change_short": "Change since", "place_all_short": "Rank (all)",
        "empty_direction": "no data: the direction has no indicator value (0 in the sum)",
        "empty_note": "'—' in a direction column: the city has no value of its indicators; it added 0 to the sum.",
        "screened_note": "No rank or scores: {count} cities whose data availability is below the screening threshold "
                         "({threshold}; the methodology's scoring.screening): {names}.",
        "unit": "Unit", "as_yaml": "The same in the scenario file (YAML)", "calculation": "Calculation",
        "base_run": "base run",
        "status_of_method": "Confirmed and reconstructed refer to the methodology; what the scenario changes is below.",
    },
}

CSS = """
:root{--ink:#1b1b1b;--muted:#5a5a5a;--line:#d0d7de;--accent:#0072B2;--warn:#b00020}
*{box-sizing:border-box}body{font-family:"DejaVu Sans",Arial,sans-serif;color:var(--ink);max-width:72em;margin:0 auto;
padding:1em 1.2em;line-height:1.45}a{color:var(--accent)}header nav{display:flex;gap:1.2em;flex-wrap:wrap;
border-bottom:1px solid var(--line);padding-bottom:.5em;margin-bottom:1em}.synthetic{background:#fde7ea;color:var(--warn);
padding:.5em 1em;font-weight:bold}table{border-collapse:collapse;margin:.5em 0 1.2em}th,td{border:1px solid var(--line);
padding:.25em .55em;text-align:left;vertical-align:top}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
th button{font:inherit;font-weight:bold;background:none;border:0;padding:0;cursor:pointer;color:inherit;text-align:inherit}
th[aria-sort=ascending] button::after{content:" ▲"}th[aria-sort=descending] button::after{content:" ▼"}
.figures{display:flex;flex-wrap:wrap;gap:1.5em}.kpi{display:flex;gap:2em;flex-wrap:wrap}.kpi div{font-size:1.1em}
.kpi b{display:block;font-size:1.6em}.mark{color:var(--warn)}.muted{color:var(--muted)}.tag{font-size:.8em;padding:0 .4em;border:1px solid var(--warn);border-radius:.6em;color:var(--warn);white-space:nowrap}svg.chart{width:100%;max-width:52em;height:auto}
.wide table{font-size:.92em}
input[type=search]{font:inherit;padding:.3em .5em;width:22em;max-width:100%}ul.tree{list-style:none;padding-left:1.2em}
ul.tree li{margin:.15em 0}.up{color:#00734a}.down{color:var(--warn)}.wide{overflow-x:auto;max-width:100%}
"""

SCRIPT = """
document.querySelectorAll("table[data-sortable]").forEach(function (table) {
  var body = table.tBodies[0];
  table.querySelectorAll("th button").forEach(function (button, column) {
    button.addEventListener("click", function () {
      var th = button.parentNode, up = th.getAttribute("aria-sort") !== "ascending";
      table.querySelectorAll("th").forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-value"), y = b.cells[column].getAttribute("data-value");
        var nx = parseFloat(x), ny = parseFloat(y), c;
        if (x === "" && y === "") { c = 0; } else if (x === "") { return 1; } else if (y === "") { return -1; }
        else if (!isNaN(nx) && !isNaN(ny)) { c = nx - ny; } else { c = x.localeCompare(y, "ru"); }
        return up ? c : -c;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
});
document.querySelectorAll("input[data-filter]").forEach(function (input) {
  var table = document.getElementById(input.getAttribute("data-filter"));
  input.addEventListener("input", function () {
    var q = input.value.trim().toLowerCase();
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
      row.hidden = q !== "" && row.getAttribute("data-search").indexOf(q) === -1;
    });
  });
});
"""

BASE = """<!DOCTYPE html>
<html lang="{{ lang }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<link rel="stylesheet" href="{{ root }}assets/{{ css }}">
</head>
<body>
<header><nav>{% if not standalone %}<a href="{{ root }}index.html">{{ w.home }}</a>{% endif %}
{% for link in links %}<a href="{{ link.href }}">{{ link.text }}</a>{% endfor %}{% if run %}
<a href="{{ runroot }}index.html">{{ run.title }}</a><a href="{{ runroot }}method.html">{{ w.method }}</a>
{% if run.robustness %}<a href="{{ runroot }}robustness.html">{{ w.robustness }}</a>{% endif %}{% endif %}</nav></header>
{% if synthetic %}<p class="synthetic">{{ w.synthetic }}</p>{% endif %}
<main>
<h1>{{ heading }}</h1>
{% block content %}{% endblock %}
</main>
<script src="{{ root }}assets/{{ js }}"></script>
</body>
</html>
"""

HOME = """{% extends "base" %}{% block content %}
<table><thead><tr><th>{{ w.calculation }}</th><th class="num">{{ w.cities }}</th></tr></thead><tbody>
{% for r in runs %}<tr><td><a href="{{ r.href }}">{{ r.title }}</a>{% if r.comparison %} · <a href="{{ r.comparison }}">{{ w.with_base }}</a>{% endif %}</td><td class="num">{{ r.cities }}</td></tr>
{% endfor %}</tbody></table>
{% if series %}<h2>{{ w.series_heading }}</h2>
<ul>{% for r in series %}<li><a href="{{ r.href }}">{{ r.title }}</a></li>{% endfor %}</ul>{% endif %}
{% endblock %}"""

EDITION = """{% extends "base" %}{% block content %}
<p>{{ run.method_title }}. {{ w.edition }} {{ run.edition }}{% if run.scenario == "base" %}, {{ w.base_run }}{% else %}, {{ w.scenario }} «{{ run.scenario }}»{% endif %}.</p>
{% if run.description %}<p>{{ run.description }}</p>{% endif %}
{% if comparison %}<p><a href="{{ comparison }}">{{ w.with_base }}</a></p>{% endif %}
<div class="kpi"><div>{{ w.cities }}<b>{{ run.cities }}</b></div><div>{{ w.average }}<b>{{ run.average }}</b></div></div>
<h2>{{ w.groups }}</h2>
<table><thead><tr><th>{{ w.group }}</th><th class="num">{{ w.cities }}</th><th class="num">{{ w.national }}</th>
<th>{{ w.leader }}</th></tr></thead><tbody>
{% for g in groups %}<tr><td><a href="{{ g.href }}">{{ g.name }}</a></td><td class="num">{{ g.cities }}</td>
<td class="num">{{ g.mean }}</td><td>{{ g.leader }}</td></tr>{% endfor %}
</tbody></table>
<h2>{{ w.leaders }}</h2>
{% for g in groups %}<h3>{{ g.name }}</h3>
<table><thead><tr><th class="num">{{ w.rank }}</th><th>{{ w.city }}</th><th class="num">{{ run.index_label }}</th>
{% if run.robustness %}<th>{{ w.interval }}</th>{% endif %}</tr></thead><tbody>
{% for c in g.top %}<tr><td class="num">{{ c.rank }}</td><td><a href="{{ c.href }}">{{ c.name }}</a></td>
<td class="num">{{ c.score }}</td>{% if run.robustness %}<td>{{ c.interval }}</td>{% endif %}</tr>{% endfor %}
</tbody></table>{% endfor %}
{% if regions %}<h2>{{ w.regions }}</h2>
<p>{{ w.regions_note.format(rule=regions.rule, count=regions.count) }}</p>
<table><thead><tr><th class="num">{{ w.rank }}</th><th>{{ w.region }}</th><th class="num">{{ w.cities }}</th>
<th class="num">{{ run.index_label }}</th><th>{{ w.best_city }}</th></tr></thead><tbody>
{% for r in regions.rows %}<tr><td class="num">{{ r.rank }}</td><td>{{ r.region }}</td><td class="num">{{ r.cities }}</td>
<td class="num">{{ r.value }}</td><td>{{ r.best }}</td></tr>{% endfor %}
</tbody></table>
{{ regions.chart | safe }}{% endif %}
{% if official %}<h2 id="official">{{ w.official }}</h2>
<p>{{ w.official_note.format(matched=official.matched, total=official.total) }}</p>
<div class="kpi"><div>{{ w.official_average }}<b>{{ official.average_official }}</b></div>
<div>{{ w.calc_average }}<b>{{ official.average }}</b></div></div>
{% if official.average_note %}<p>{{ official.average_note }}</p>{% endif %}
<div class="wide"><table><thead><tr><th>{{ w.group }}</th><th class="num">{{ w.official_rank }}</th><th>{{ w.city }}</th>
<th class="num">{{ w.official_score }}</th><th class="num">{{ w.calc_rank }}</th><th class="num">{{ w.calc_score }}</th>
<th>{{ w.match }}</th><th>{{ w.how_published }}</th></tr></thead><tbody>
{% for r in official.rows %}<tr><td>{{ r.group }}</td><td class="num">{{ r.official_rank }}</td><td><a href="{{ r.href }}">{{ r.city }}</a></td>
<td class="num">{{ r.official_score }}</td><td class="num">{{ r.rank }}</td><td class="num">{{ r.score }}</td>
<td>{{ r.match }}</td><td><a href="{{ r.source }}" rel="noopener">{{ r.flag }}</a></td></tr>{% endfor %}
</tbody></table></div>
{% if official.conflicts %}<h3>{{ w.conflicts }}</h3><ul>{% for c in official.conflicts %}<li>{{ c }}</li>{% endfor %}</ul>{% endif %}
{% endif %}
<h2>{{ w.downloads }}</h2>
<ul><li><a href="{{ downloads.xlsx }}">{{ w.xlsx }}</a></li>
<li>{{ w.csv_excel }}: {% for d in downloads.excel %}<a href="{{ d.href }}">{{ d.name }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</li>
<li>{{ w.csv_machine }}: {% for d in downloads.machine %}<a href="{{ d.href }}" title="{{ d.file }}">{{ d.name }}</a>{% if not loop.last %}, {% endif %}{% endfor %}</li></ul>
<h2>{{ w.notebooks }}</h2>
<ul>{% for s in notebooks %}<li>{{ s.name }}: <a href="{{ s.reader }}">{{ w.reader }}</a>, <a href="{{ s.auditor }}">{{ w.auditor }}</a></li>{% endfor %}</ul>
{% endblock %}"""

GROUP = """{% extends "base" %}{% block content %}
<p><label for="filter">{{ w.filter }}</label>: <input type="search" id="filter" data-filter="ranking"></p>
<div class="wide"><table id="ranking" data-sortable><thead><tr>
{% for h in header %}<th scope="col"{% if h.num %} class="num"{% endif %}><button type="button" title="{{ h.title or w.sort }}">{{ h.label }}</button></th>{% endfor %}
</tr></thead><tbody>
{% for r in rows %}<tr data-search="{{ r.search }}">{% for c in r.cells %}<td{% if c.num %} class="num"{% endif %}{% if c.title %} title="{{ c.title }}"{% endif %} data-value="{{ c.value }}">
{%- if c.href %}<a href="{{ c.href }}">{{ c.text }}</a>{% else %}{{ c.text }}{% endif %}{% if c.mark %}<span class="mark" title="{{ w.imputed }}">*</span>{% endif %}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></div>
<p class="muted">{{ w.mark_note }}</p>
<p class="muted">{{ w.empty_note }}</p>
{% if screened %}<p class="muted">{{ w.screened_note.format(count=screened.count, names=screened.names, threshold=screened.threshold) }}</p>{% endif %}
{% if legend %}<p class="muted">{{ legend | join("; ") }}.</p>{% endif %}
{% endblock %}"""

CITY = """{% extends "base" %}{% block content %}
<p>{{ city.region }}. {{ w.group }}: <a href="{{ city.group_href }}">{{ city.group }}</a>.</p>
<div class="kpi"><div>{{ run.index_label }}<b>{{ city.score }}</b></div>
<div>{{ w.place_group }}<b>{{ city.rank }}</b>{% if city.interval %}<span class="muted">{{ w.interval }}: {{ city.interval }}</span>{% endif %}</div>
<div>{{ w.place_all }}<b>{{ city.rank_all }}</b></div></div>
<h2>{{ w.directions }}</h2>
{{ chart | safe }}
<table><thead><tr><th>{{ w.directions }}</th><th class="num">{{ city.name }}</th><th class="num">{{ w.median }}</th><th class="num">{{ w.leader }}</th></tr></thead><tbody>
{% for d in directions %}<tr><td>{{ d.name }}</td><td class="num">{{ d.value }}{% if d.mark %}<span class="mark" title="{{ w.imputed }}">*</span>{% endif %}</td><td class="num">{{ d.median }}</td><td class="num">{{ d.leader }}</td></tr>{% endfor %}
</tbody></table>
<div class="figures"><div><h2>{{ w.strengths }}</h2><ul>{% for s in strengths %}<li>{{ s.name }}: <span class="up">{{ w.up }} {{ s.delta }}</span></li>{% else %}<li>{{ w.none }}</li>{% endfor %}</ul></div>
<div><h2>{{ w.weaknesses }}</h2><ul>{% for s in weaknesses %}<li>{{ s.name }}: <span class="down">{{ w.down }} {{ s.delta }}</span></li>{% else %}<li>{{ w.none }}</li>{% endfor %}</ul></div></div>
<h2>{{ w.indicators }}</h2>
<table><thead><tr><th>{{ w.indicators }}</th><th class="num">{{ w.raw }}</th><th>{{ w.unit }}</th><th class="num">{{ w.normalised }}</th><th>{{ w.status }}</th></tr></thead><tbody>
{% for i in indicators %}<tr><td>{{ i.name }}</td><td class="num">{{ i.raw }}</td><td class="muted">{{ i.unit }}</td><td class="num">{{ i.normalised }}</td><td>{{ i.status }}</td></tr>{% endfor %}
</tbody></table>
{% if history %}<h2>{{ w.history }}</h2>
<table><thead><tr><th>{{ w.edition }}</th><th>{{ w.group }}</th><th class="num">{{ run.index_label }}</th><th class="num">{{ w.place_group }}</th></tr></thead><tbody>
{% for h in history %}<tr><td>{% if h.href %}<a href="{{ h.href }}">{{ h.edition }}</a>{% else %}{{ h.edition }}{% endif %}</td><td>{{ h.group }}</td><td class="num">{{ h.score }}</td><td class="num">{{ h.rank }}</td></tr>{% endfor %}
</tbody></table>{% endif %}
{% endblock %}"""

METHOD = """{% extends "base" %}{% block content %}
<p>{{ run.method_title }} (<code>{{ method.id }}</code>).</p>
<h2>{{ w.framework }}</h2>
<ul class="tree">{% for n in tree recursive %}<li><b>{{ n.code }}</b> {{ n.name }}{% for t in n.tags %} <span class="tag">{{ t }}</span>{% endfor %} <span class="muted">({{ w.weight }} {{ n.weight }}; {{ w.nominal }} {{ n.nominal }}{% if n.effective %}; {{ w.effective }} {{ n.effective }}{% endif %})</span>
{% if n.children %}<ul class="tree">{{ loop(n.children) }}</ul>{% endif %}</li>{% endfor %}</ul>
<h2>{{ w.choices }}</h2>
<table><thead><tr><th>{{ w.choice }}</th><th>{{ w.how }}</th></tr></thead><tbody>
{% for c in choices %}<tr><td>{{ c.what }}</td><td>{{ c.how }}<br><code class="muted">{{ c.code }}</code></td></tr>{% endfor %}
</tbody></table>
<h2>{{ w.confirmed }}</h2><ul>{% for s in method.confirmed %}<li>{{ s }}</li>{% endfor %}</ul>
<h2>{{ w.reconstructed }}</h2><ul>{% for s in method.reconstructed %}<li>{{ s }}</li>{% endfor %}</ul>
{% if differences %}<p class="muted">{{ w.status_of_method }}</p>{% endif %}
{% if differences %}<h2>{{ w.differences }}</h2>
<ul>{% for d in differences %}<li>{{ d.words }}</li>{% endfor %}</ul>
<details><summary>{{ w.as_yaml }}</summary><pre>{{ yaml }}</pre></details>{% endif %}
{% endblock %}"""

ROBUSTNESS = """{% extends "base" %}{% block content %}
<h2>{{ w.how_to_read }}</h2>
{% for p in notes %}<p>{{ p }}</p>{% endfor %}
{% for g in groups %}<h2>{{ w.intervals_title }}: {{ g.name }}</h2>
{{ g.chart | safe }}{% endfor %}
{% if sobol %}<h2>{{ w.sobol }}</h2>{{ sobol | safe }}{% endif %}
{% endblock %}"""

COMPARE = """{% extends "base" %}{% block content %}
<ul><li><b>{{ w.run_a }}</b>: {{ a.title }} <span class="muted">({{ a.where }})</span></li>
<li><b>{{ w.run_b }}</b>: {{ b.title }} <span class="muted">({{ b.where }})</span></li></ul>
{% if draft %}<p class="synthetic">{{ w.draft_note }}</p>{% endif %}
{% if index_only %}<p class="mark">{{ w.index_only }}</p>{% endif %}
<h2>{{ w.summary }}</h2>
<div class="wide"><table><thead><tr>{% for h in summary.header %}<th scope="col"{% if h.num %} class="num"{% endif %}>{{ h.label }}</th>{% endfor %}</tr></thead><tbody>
{% for r in summary.rows %}<tr>{% for c in r %}<td{% if c.num %} class="num"{% endif %}>{% if c.href %}<a href="{{ c.href }}">{{ c.text }}</a>{% else %}{{ c.text }}{% endif %}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></div>
<p class="muted">{{ w.shift_note }}</p>
<h2>{{ w.scatter }}</h2>
{{ scatter | safe }}
{% for g in groups %}<h2 id="group-{{ g.code }}">{{ g.name }}</h2>
<p>{{ g.line }}</p>
{{ g.chart | safe }}
<div class="wide"><table data-sortable><thead><tr>
{% for h in header %}<th scope="col"{% if h.num %} class="num"{% endif %}><button type="button" title="{{ w.sort }}">{{ h.label }}</button></th>{% endfor %}
</tr></thead><tbody>
{% for r in g.rows %}<tr>{% for c in r %}<td{% if c.num %} class="num"{% endif %} data-value="{{ c.value }}">{% if c.href %}<a href="{{ c.href }}">{{ c.text }}</a>{% elif c.cls %}<span class="{{ c.cls }}">{{ c.text }}</span>{% else %}{{ c.text }}{% endif %}</td>{% endfor %}</tr>
{% endfor %}</tbody></table></div>
{% endfor %}
<h2>{{ w.only_one }}</h2>
{% if others %}<table><thead><tr><th>{{ w.city }}</th><th>{{ w.run_a }}</th><th>{{ w.run_b }}</th><th>{{ w.status }}</th></tr></thead><tbody>
{% for o in others %}<tr><td>{{ o.city }}</td><td>{{ o.a }}</td><td>{{ o.b }}</td><td>{{ o.status }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p>{{ w.none }}</p>{% endif %}
<h2>{{ w.downloads }}</h2>
<ul>{% for d in downloads %}<li><a href="{{ d.href }}">{{ d.text }}</a></li>{% endfor %}</ul>
{% endblock %}"""

SERIES = """{% extends "base" %}{% block content %}
<p>{{ w.series_intro.format(base=base_year, methods=", ".join(methods)) }}</p>
<h2>{{ w.series_averages }}</h2>
<div class="wide"><table><thead><tr><th class="num">{{ w.year }}</th><th class="num">{{ w.cities }}</th>
<th class="num">{{ w.official_average }}</th><th class="num">{{ w.calc_average }}</th>
<th class="num">{{ w.official_growth.format(base=base_year) }}</th><th class="num">{{ w.calc_growth.format(base=base_year) }}</th>
<th class="num">{{ w.fixed_average }}</th><th class="num">{{ w.fixed_growth.format(base=base_year) }}</th>{% if methods | length > 1 %}<th>{{ w.method_version }}</th>{% endif %}</tr></thead><tbody>
{% for r in rows %}<tr><td class="num">{{ r.year }}</td><td class="num">{{ r.cities }}</td><td class="num">{{ r.official }}</td>
<td class="num">{{ r.average }}</td><td class="num">{{ r.official_growth }}</td><td class="num">{{ r.growth }}</td>
<td class="num">{{ r.fixed }}</td><td class="num">{{ r.growth_fixed }}</td>{% if methods | length > 1 %}<td>{{ r.method }}</td>{% endif %}</tr>{% endfor %}
</tbody></table></div>
{% if methods | length > 1 %}<p class="synthetic">{{ w.series_methods.format(methods=", ".join(methods)) }}</p>{% endif %}
<p>{{ w.series_note }}</p>
{{ chart | safe }}
<h2>{{ w.series_groups }}</h2>
<table><thead><tr><th class="num">{{ w.year }}</th><th>{{ w.group }}</th><th class="num">{{ w.cities }}</th>
<th class="num">{{ w.calc_average }}</th><th class="num">{{ w.fixed_average }}</th></tr></thead><tbody>
{% for g in groups %}<tr><td class="num">{{ g.year }}</td><td>{{ g.group }}</td><td class="num">{{ g.cities }}</td>
<td class="num">{{ g.average }}</td><td class="num">{{ g.fixed }}</td></tr>{% endfor %}
</tbody></table>
{% if regions %}<h2>{{ w.regions }}</h2>
<p>{{ w.series_regions }}</p>
<table><thead><tr><th>{{ w.region }}</th>{% for y in regions.years %}<th class="num">{{ y }}</th>{% endfor %}</tr></thead><tbody>
{% for r in regions.rows %}<tr><td>{{ r.region }}</td>{% for v in r["values"] %}<td class="num">{{ v }}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>
{{ regions.chart | safe }}{% endif %}
{% if conflicts %}<h2>{{ w.conflicts }}</h2><ul>{% for c in conflicts %}<li>{{ c }}</li>{% endfor %}</ul>{% endif %}
<h2>{{ w.notebooks }}</h2>
<p>{{ w.series_notebook }} <a href="html/series.html">{{ w.reader }}</a> · <a href="html/series-code.html">{{ w.auditor }}</a></p>
<h2>{{ w.downloads }}</h2>
<ul>{% for c in csvs %}<li><a href="results/{{ c.file }}" title="{{ c.file }}">{{ c.name }}</a> (CSV)</li>{% endfor %}</ul>
{% endblock %}"""

_ENV = Environment(loader=DictLoader({"base": BASE, "home": HOME, "edition": EDITION, "group": GROUP, "city": CITY,
                                      "method": METHOD, "robustness": ROBUSTNESS, "compare": COMPARE,
                                      "series": SERIES}),
                   autoescape=select_autoescape(default=True, default_for_string=True), undefined=StrictUndefined,
                   keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def asset_name(stem: str, suffix: str, content: str) -> str:
    """A content-addressed file name: 'site.3f2a9c1d.css' (a changed file gets a new name)."""
    return f"{stem}.{hashlib.sha256(content.encode()).hexdigest()[:10]}.{suffix}"


ASSETS = {"css": (asset_name("site", "css", CSS), CSS), "js": (asset_name("site", "js", SCRIPT), SCRIPT)}


def render(page: str, language: str, root: str, **context: Any) -> str:
    """One page: ``page`` is home, edition, group, city, method or robustness."""
    return _ENV.get_template(page).render(lang=language, w=WORDS[language], root=root, css=ASSETS["css"][0],
                                          js=ASSETS["js"][0], **{"run": None, "synthetic": False, "runroot": "", "standalone": False, "links": [],
                                                                "series": [],
                                                                **context})


def fmt(x: Any, decimals: int, language: str) -> str:
    """A number for a page (decimal comma in Russian); '—' for a missing one."""
    return number(None if x is None else float(x), decimals, language)
