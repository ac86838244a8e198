"""Screenshots of the site for the README (make screenshots): the 2019 edition page and a
city page, taken with Debian's chromium, headless, from the built site/ folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = {"edition.png": ("2019/base/index.html", "1200,1500"), "city.png": ("2019/base/city/kazan.html", "1200,1500")}


def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("chromium is not installed (make browser)", file=sys.stderr)
        return 2
    for name, (page, size) in SHOTS.items():
        target = ROOT / "site" / page
        if not target.is_file():
            print(f"{target.relative_to(ROOT)} is missing: run make site first", file=sys.stderr)
            return 2
        out = ROOT / "docs" / "img" / name
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--window-size={size}", f"--screenshot={out}", target.as_uri()],
                       check=True, capture_output=True, timeout=120)
        print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
