"""Time the export and the import of a large storefront's bundle (docs/storefront-bundle.md).

    createdb -h 127.0.0.1 -U postgres -T galerie_large bundle_large
    python bench/storefront_bundle.py --source bundle_large --empty bundle_empty [--storefront CODE]

Migrates the source copy, exports the storefront (the one with the most products when none is
named) with ``galerie storefront export`` under ``/usr/bin/time -v``, then drops and creates the
empty database, migrates it and imports the bundle with ``galerie storefront import``. Prints
wall time and peak resident memory of each command, the bundle's size and its rows per file.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

PG = ["-h", "127.0.0.1", "-U", "postgres"]


def url(database: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{database}"


def run(argv: list[str], database: str, *, measured: bool = False) -> dict[str, float]:
    env = {**os.environ, "DATABASE_URL": url(database), "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    command = ["/usr/bin/time", "-v", *argv] if measured else argv
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    summary = [line for line in done.stdout.splitlines() if line.startswith(("Exported", "Imported"))]
    if summary:
        print("   ", summary[-1])
    if not measured:
        return {"seconds": elapsed}
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return {"seconds": elapsed, "peak_mib": int(peak.group(1)) / 1024 if peak else float("nan")}


def largest_storefront(database: str) -> str:
    sql = (
        "SELECT s.code FROM storefronts_storefront s JOIN sellers_selleradmission a ON a.storefront_id = s.id"
        " GROUP BY s.code ORDER BY count(*) DESC LIMIT 1"
    )
    out = subprocess.run(
        ["psql", *PG, "-d", database, "-Atc", sql], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="bundle_large")
    parser.add_argument("--empty", default="bundle_empty")
    parser.add_argument("--storefront", default="")
    parser.add_argument("--out", default="/tmp/bundle-bench")
    parser.add_argument(
        "--round-trip",
        action="store_true",
        help="Then export the imported storefront again and compare the two bundles byte for byte.",
    )
    parser.add_argument(
        "--whole-catalog",
        action="store_true",
        help="First widen the storefront to the whole catalog and admit every seller (on the copy):"
        " a storefront of every product and offer of the database.",
    )
    args = parser.parse_args()
    galerie = [shutil.which("galerie") or "galerie"]
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    print(f"migrate {args.source}: {run([*galerie, 'migrate', '-v0'], args.source)['seconds']:.1f} s")
    code = args.storefront or largest_storefront(args.source)
    if args.whole_catalog:
        sql = f"""
            DELETE FROM storefronts_storefront_catalog_scope
             WHERE storefront_id = (SELECT id FROM storefronts_storefront WHERE code = '{code}');
            INSERT INTO sellers_selleradmission (seller_id, storefront_id, status, reason)
            SELECT s.id, f.id, 'admitted', '' FROM sellers_seller s, storefronts_storefront f
             WHERE f.code = '{code}' AND NOT EXISTS (
                   SELECT 1 FROM sellers_selleradmission a
                    WHERE a.seller_id = s.id AND a.storefront_id = f.id);
        """
        subprocess.run(["psql", *PG, "-d", args.source, "-qc", sql], check=True)
    exported = run([*galerie, "storefront", "-v0", "export", code, str(out)], args.source, measured=True)
    manifest = json.loads((out / "manifest.json").read_text())
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    rows = {name: facts["rows"] for name, facts in manifest["files"].items() if "rows" in facts}
    subprocess.run(["dropdb", *PG, "--if-exists", args.empty], check=True)
    subprocess.run(["createdb", *PG, args.empty], check=True)
    print(f"migrate {args.empty}: {run([*galerie, 'migrate', '-v0'], args.empty)['seconds']:.1f} s")
    imported = run([*galerie, "storefront", "-v0", "import", str(out)], args.empty, measured=True)
    print(f"storefront {code}: rows {json.dumps(rows)}")
    print(f"bundle: {size / 1e6:.1f} MB in {sum(1 for _ in out.rglob('*') if _.is_file())} files")
    for label, figures in (("export", exported), ("import", imported)):
        print(f"{label}: {figures['seconds']:.1f} s, peak RSS {figures['peak_mib']:.0f} MiB")
    if args.round_trip:
        again = out.with_name(out.name + "-again")
        shutil.rmtree(again, ignore_errors=True)
        figures = run([*galerie, "storefront", "-v0", "export", code, str(again)], args.empty, measured=True)
        seconds, peak = figures["seconds"], figures["peak_mib"]
        print(f"export of the imported storefront: {seconds:.1f} s, peak RSS {peak:.0f} MiB")
        first, second = (json.loads((d / "manifest.json").read_text()) for d in (out, again))
        for manifest in (first, second):
            for name in manifest["volatile"]:
                manifest.pop(name)
        different = [
            str(f.relative_to(out))
            for f in sorted(out.rglob("*"))
            if f.is_file()
            and f.name != "manifest.json"
            and f.read_bytes() != (again / f.relative_to(out)).read_bytes()
        ]
        same = not different and first == second
        print(
            "round trip:", "byte-identical but for the volatile fields" if same else f"DIFFERENT: {different}"
        )


if __name__ == "__main__":
    main()
