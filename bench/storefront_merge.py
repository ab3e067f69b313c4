"""Time the merge of a large storefront's bundle into an installation that has a catalog
(docs/storefront-merge.md).

    createdb -h 127.0.0.1 -U postgres -T galerie_large merge_target
    python bench/storefront_merge.py --source galerie_large --target merge_target [--storefront CODE]
    # or a storefront of the whole catalog (250,000 products, 1,000,000 offers), from a copy:
    createdb -h 127.0.0.1 -U postgres -T galerie_large merge_source
    python bench/storefront_merge.py --source merge_source --target merge_target --whole-catalog

1. Exports the storefront from ``--source`` (``galerie storefront export``).
2. Rewrites the bundle as another marketplace's would be: new uuids for every product,
   variant, seller and offer, a new storefront code, uuid and hosts, and products in three
   thirds: the first keep their GTINs (they match by GTIN), the second lose them and have their
   title re-cased and its words shuffled, every other one a word short (they match by brand and
   title, or go to the review queue), the third lose them
   and get a title of their own (new products). Half the sellers keep their SIREN (asked to
   confirm), the others get another one (added). Slugs stay, so every one collides and is
   renamed.
3. Plans the merge into ``--target`` (a copy of the same seed: the catalog is already there)
   with ``galerie storefront merge plan``, confirms every seller and accepts every review (what
   the operator and the sellers would do), then commits with ``galerie storefront merge commit``.

Prints and writes to bench/results/<time>-storefront-merge.json: wall time and peak resident
memory of the plan and the commit, products matched per second, rows written per second.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

PG = ["-h", "127.0.0.1", "-U", "postgres"]
RESULTS = Path(__file__).parent / "results"


def url(database: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{database}"


def run(argv: list[str], database: str) -> dict[str, float | str]:
    env = {**os.environ, "DATABASE_URL": url(database), "DEBUG": "0"}
    env.pop("REDIS_URL", None)
    started = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-v", *argv], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{' '.join(argv)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    print("   ", last)
    return {
        "seconds": elapsed,
        "peak_mib": int(peak.group(1)) / 1024 if peak else float("nan"),
        "summary": last,
    }


def psql(database: str, sql: str) -> str:
    out = subprocess.run(
        ["psql", *PG, "-d", database, "-Atc", sql], capture_output=True, text=True, check=True
    )
    return out.stdout.strip()


def rewrite(source: Path, target: Path, seed: int = 7) -> dict[str, int]:
    """Write ``source`` again as another marketplace's bundle of the same products (see above)."""
    from galerie.portability.format import FILES, MANIFEST, HashingWriter, dumps

    rng = random.Random(seed)
    ns = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")

    def new(key: str) -> str:
        return str(uuid.uuid5(ns, key))

    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    if (source / "media").exists():
        shutil.copytree(source / "media", target / "media")
    manifest = json.loads((source / MANIFEST).read_text())
    kinds = {"gtin": 0, "title": 0, "new": 0}
    sellers_kept = 0
    files = {}
    for name in FILES:
        writer = HashingWriter(target / name)
        with (source / name).open("rb") as stream:
            for number, raw in enumerate(stream):
                row = json.loads(raw)
                if name == "storefront.jsonl":
                    row["code"] = (row["code"] + "-x")[:40]
                    row["uuid"] = new(row["uuid"])
                elif name == "hosts.jsonl":
                    row["host"] = "merged-" + row["host"]
                elif name == "products.jsonl":
                    row["uuid"] = new(row["uuid"])
                    third = number % 3
                    for variant in row["variants"]:
                        variant["uuid"] = new(variant["uuid"])
                        if third:
                            variant["gtin"] = None
                    if third == 1:
                        words = row["title"].split()
                        rng.shuffle(words)
                        if number % 2 and len(words) > 3:
                            words.pop()  # one word fewer: a doubtful match, for the review queue
                        row["title"] = " ".join(words).upper()
                    elif third == 2:
                        row["title"] = (
                            f"Article {rng.randrange(10**9):09d} {rng.choice(['bleu', 'grand', 'neuf'])}"
                        )
                    kinds[("gtin", "title", "new")[third]] += 1
                elif name == "sellers.jsonl":
                    row["uuid"] = new(row["uuid"])
                    if number % 2:
                        row["trader"]["trade_register_number"] = f"{rng.randrange(10**8, 10**9)}"
                        row["trader"]["vat_number"] = ""
                    else:
                        sellers_kept += 1
                elif name == "commission_overrides.jsonl":
                    row["seller"] = new(row["seller"]) if row["seller"] else None
                elif name == "offers.jsonl":
                    row["uuid"], row["seller"], row["variant"] = (
                        new(row["uuid"]),
                        new(row["seller"]),
                        new(row["variant"]),
                    )
                elif name == "url_map.jsonl" and row["kind"] in ("product", "seller"):
                    row["key"] = new(row["key"])
                elif name in ("customers.jsonl", "orders.jsonl") and row:
                    pass  # the large seed has no orders
                writer.write(dumps(row))
                writer.rows += 1
        files[name] = writer.close()
    manifest["files"] = {**{k: v for k, v in manifest["files"].items() if k not in FILES}, **files}
    (target / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=1))
    return {**{f"products_{k}": v for k, v in kinds.items()}, "sellers_same_siren": sellers_kept}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--source", default="galerie_large")
    parser.add_argument("--target", default="merge_target")
    parser.add_argument("--storefront", default="atelier-onze")
    parser.add_argument("--out", default="/tmp/merge-bench")
    parser.add_argument(
        "--whole-catalog",
        action="store_true",
        help="First widen the storefront to the whole catalog and admit every seller, in --source"
        " (give a copy): a storefront of every product and offer of the database.",
    )
    args = parser.parse_args()
    galerie = [shutil.which("galerie") or "galerie"]
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    if args.whole_catalog:
        code = args.storefront
        psql(
            args.source,
            f"""DELETE FROM storefronts_storefront_catalog_scope
                 WHERE storefront_id = (SELECT id FROM storefronts_storefront WHERE code = '{code}');
                INSERT INTO sellers_selleradmission (seller_id, storefront_id, status, reason)
                SELECT s.id, f.id, 'admitted', '' FROM sellers_seller s, storefronts_storefront f
                 WHERE f.code = '{code}' AND NOT EXISTS (
                       SELECT 1 FROM sellers_selleradmission a
                        WHERE a.seller_id = s.id AND a.storefront_id = f.id)""",
        )
    exported = run(
        [*galerie, "storefront", "-v0", "export", args.storefront, str(out / "bundle")], args.source
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "galerie.settings")
    import django

    django.setup()
    shaped = rewrite(out / "bundle", out / "foreign")
    print("rewritten:", json.dumps(shaped))
    run([*galerie, "migrate", "-v0"], args.target)
    plan = run([*galerie, "storefront", "-v0", "merge", "plan", str(out / "foreign")], args.target)
    merge_id = psql(args.target, "SELECT max(id) FROM portability_storefrontmerge")
    batch = psql(
        args.target,
        "SELECT 'merge:' || left(replace(uuid::text, '-', ''), 12) FROM portability_storefrontmerge"
        f" WHERE id = {merge_id}",
    )
    # What the operator and the sellers would do, in one go: accept the reviews, confirm the sellers.
    psql(
        args.target,
        f"UPDATE catalog_matchreview SET status = 'accepted', decided_at = now() WHERE batch = '{batch}';"
        f" UPDATE portability_mergeparty SET status = 'confirmed', decided_at = now()"
        f" WHERE merge_id = {merge_id} AND kind = 'seller'",
    )
    commit = run([*galerie, "storefront", "-v0", "merge", "commit", merge_id], args.target)
    counts = json.loads(
        psql(args.target, f"SELECT counts FROM portability_storefrontmerge WHERE id = {merge_id}")
    )
    products = counts["products"]
    written = sum(v for k, v in counts.items() if k.startswith("written_"))
    figures = {
        "storefront": args.storefront,
        "export": exported,
        "rewritten": shaped,
        "plan": plan,
        "commit": commit,
        "counts": counts,
        "plan_products_per_second": round(products / float(plan["seconds"])),
        "commit_offers_per_second": round(counts["offers"] / float(commit["seconds"])),
        "rows_decided": written,
    }
    print(
        f"plan: {plan['seconds']:.1f} s, peak {plan['peak_mib']:.0f} MiB,"
        f" {figures['plan_products_per_second']} products/s"
    )
    print(
        f"commit: {commit['seconds']:.1f} s, peak {commit['peak_mib']:.0f} MiB,"
        f" {figures['commit_offers_per_second']} offers/s"
    )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{datetime.now(UTC):%Y%m%dT%H%M%S}-storefront-merge.json"
    path.write_text(json.dumps(figures, indent=1, sort_keys=True) + "\n")
    print(f"written to {path}")


if __name__ == "__main__":
    main()
