"""Screenshots of the site for the README (make screenshots): the home page, a group page and
a city's passport at a laptop's width (1366 px) and a phone's (390 px), taken with Debian's
chromium, headless, from the built site/ folder."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAPTOP, PHONE = "1366,1700", "390,1700"
SHOTS = {"home.png": ("index.html", LAPTOP), "home-phone.png": ("index.html", PHONE),
         "group.png": ("2021/base/group-bolshie.html", LAPTOP), "group-phone.png": ("2021/base/group-bolshie.html", PHONE),
         "passport.png": ("2021/base/city/reutov.html", LAPTOP), "passport-phone.png": ("2021/base/city/reutov.html", PHONE)}


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
