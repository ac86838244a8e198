"""Preview the home page's two maps (``publishing.maps``) from the newest published run, on
their own page with the site's stylesheet, and screenshot it in Chromium at 390 and 1366 px.
Development only: run by hand, look at the pictures.

    .venv/bin/python tools/maps_preview.py [outputs/2021/base] [--out /tmp/maps-preview]

A run published before the rosters had coordinates has no ``lat``/``lon`` in its
``results/cities.csv``: the preview then takes them from the roster its manifest names.
Prints how long each map takes to draw.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import pandas as pd

from iqlib.io.runfolder import RunFolder
from iqlib.io.tables import read_table, to_number
from iqlib.presentation import site as pages
from iqlib.publishing import maps


def newest(outputs: Path) -> Path:
    runs = [p.parent for p in outputs.glob("*/base/manifest.json")]
    return max(runs, key=lambda p: json.loads((p / "manifest.json").read_text(encoding="utf-8"))["edition"])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("run", nargs="?", type=Path)
    parser.add_argument("--out", type=Path, default=Path("/tmp/maps-preview"))
    args = parser.parse_args()
    folder = args.run or newest(Path("outputs"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    run = RunFolder(folder)
    cities = run.read_csv("cities.csv")
    if "lat" not in cities:
        roster = read_table(Path(manifest["inputs"]["cities"]["path"] if isinstance(manifest["inputs"]["cities"], dict)
                                 else manifest["inputs"]["cities"])).frame
        cities = cities.merge(pd.DataFrame({"city_id": roster["city_id"], "lat": to_number(roster["lat"]),
                                            "lon": to_number(roster["lon"])}), on="city_id", how="left")
    language = "ru"
    started = time.perf_counter()
    ctx = maps.maps(run.read_csv("regions.csv"), run.read_csv("scores.csv"), cities, language, manifest["edition"])
    print(f"both maps and tables: {time.perf_counter() - started:.3f} s")
    html = (f'<!doctype html><html lang="{language}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1"><title>maps</title>'
            f'<style>{pages.static("site.css")}</style></head><body><main>'
            f'{pages.fragment("home_maps", maps=ctx)}</main></body></html>')
    args.out.mkdir(parents=True, exist_ok=True)
    page = args.out / "index.html"
    page.write_text(html, encoding="utf-8")
    print(page)
    if shutil.which("chromium") and shutil.which("chromedriver"):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        for width in (390, 1366):
            options = webdriver.ChromeOptions()
            options.binary_location = shutil.which("chromium")
            for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1400,900"):
                options.add_argument(arg)
            driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
            metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500}
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            driver.get(page.as_uri())
            height = driver.execute_script("return document.body.scrollHeight")
            scroll = driver.execute_script("return document.documentElement.scrollWidth")
            sizes = driver.execute_script(
                "return [...document.querySelectorAll('svg.map-chart text')].filter(t => t.getClientRects().length)"
                ".map(t => parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a)")
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {**metrics, "height": min(height + 50, 4000)})
            shot = args.out / f"maps-{width}.png"
            driver.save_screenshot(str(shot))
            print(f"{shot}: page {scroll} px wide in {width}; smallest text {min(sizes):.1f} px, {len(sizes)} texts shown")
            driver.quit()


if __name__ == "__main__":
    main()
