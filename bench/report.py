"""The bench's figures: a table per scenario, ratios to the floor, a latency chart (PNG)."""

from __future__ import annotations

import json
from pathlib import Path
from statistics import quantiles

from PIL import Image, ImageDraw, ImageFont

LABELS = {
    "floor": "floor (one row, bare view)",
    "home": "storefront home",
    "category": "category listing",
    "filtered": "category, filters + price sort",
    "product": "product page",
    "add_to_cart": "add to cart (POST)",
    "mix": "weighted mix",
    "checkout": "checkout, two sellers (POST)",
    "search": "search: full text + facets",
    "autocomplete": "search: suggestions as one types",
    "seller_dashboard": "seller area: dashboard",
    "seller_offers": "seller area: offers list + search",
}


def _row(name: str, figures: dict, ticks_per_s: int) -> dict:
    if name == "checkout":
        seconds = figures["duration_s"]
        cuts = quantiles(figures["latencies"], n=100) if len(figures["latencies"]) > 1 else [0] * 99
        latency = {"p50": cuts[49], "p95": cuts[94], "p99": cuts[98]}
        rate, errors = figures["checkouts"] / seconds, figures["errors"]
        queries = figures["queries"] / figures["requests"] if figures["requests"] else None
    else:
        seconds = figures["duration_us"] / 1e6
        latency = figures["latency_us"]
        rate = figures["requests"] / seconds
        errors = sum(figures["errors"].values()) - figures["errors"]["status"]
        queries = figures["queries"] / figures["counted"] if figures["counted"] else None
    cpu = {side: 100 * ticks / ticks_per_s / seconds for side, ticks in figures["cpu_ticks"].items()}
    return {
        "scenario": name,
        "label": LABELS[name],
        "rps": round(rate, 1),
        "p50_ms": round(latency["p50"] / 1000, 2),
        "p95_ms": round(latency["p95"] / 1000, 2),
        "p99_ms": round(latency["p99"] / 1000, 2),
        "errors": errors,
        "queries_per_request": round(queries, 2) if queries is not None else None,
        "server_cpu_pct": round(cpu["server"]),
        "database_cpu_pct": round(cpu["database"]),
    }


def _chart(rows: list[dict], path: Path, title: str) -> None:
    width, row_h, left, top = 1100, 46, 330, 70
    height = top + row_h * len(rows) + 60
    image = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(image)
    try:
        font, bold = ImageFont.truetype("DejaVuSans.ttf", 15), ImageFont.truetype("DejaVuSans-Bold.ttf", 18)
    except OSError:
        font = bold = ImageFont.load_default(size=15)
    draw.text((20, 20), title, font=bold, fill="#1d1d1f")
    peak = max(r["p99_ms"] for r in rows) or 1
    scale = (width - left - 200) / peak
    colours = {"p50_ms": "#1f3a5f", "p95_ms": "#e07a2e", "p99_ms": "#c9c4bb"}
    for i, row in enumerate(rows):
        y = top + i * row_h
        draw.text((20, y + 10), row["label"], font=font, fill="#1d1d1f")
        for key in ("p99_ms", "p95_ms", "p50_ms"):
            draw.rectangle((left, y + 8, left + max(2, row[key] * scale), y + 32), fill=colours[key])
        draw.text(
            (left + row["p99_ms"] * scale + 8, y + 10), f"{row['p95_ms']:.1f} ms p95", font=font, fill="#555"
        )
    legend_y = height - 40
    for n, (key, colour) in enumerate(colours.items()):
        x = left + n * 120
        draw.rectangle((x, legend_y, x + 16, legend_y + 16), fill=colour)
        draw.text((x + 22, legend_y - 1), key.split("_")[0], font=font, fill="#1d1d1f")
    image.save(path)


def write_reports(results: dict, folder: Path) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    meta = results["meta"]
    ticks = meta["clock_ticks"]
    rows = [_row(name, figures, ticks) for name, figures in results["scenarios"].items()]
    floor = next(r for r in rows if r["scenario"] == "floor")["rps"]
    for row in rows:
        row["ratio_to_floor"] = round(row["rps"] / floor, 3) if floor else None
    stamp = meta["when"].replace(":", "").replace("-", "")[:15]
    base = folder / f"{stamp}-{meta['scale']}"
    results["rows"] = rows
    results.pop("scenarios_raw", None)
    for figures in results["scenarios"].values():
        figures.pop("latencies", None)
    Path(f"{base}.json").write_text(json.dumps(results, indent=1))
    header = (
        "| scenario | req/s | ratio to floor | p50 ms | p95 ms | p99 ms | errors | queries/req "
        "| server CPU % | DB CPU % |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    )
    lines = []
    for r in rows:
        ratio = f"{r['ratio_to_floor']:.3f} (1/{1 / r['ratio_to_floor']:.1f})" if r["ratio_to_floor"] else "–"
        lines.append(
            f"| {r['label']} | {r['rps']:,.1f} | {ratio} | {r['p50_ms']} | {r['p95_ms']} | {r['p99_ms']} | "
            f"{r['errors']} | {r['queries_per_request']} | {r['server_cpu_pct']} | {r['database_cpu_pct']} |"
        )
    table = header + "\n".join(lines) + "\n"
    invariants = "\n".join(f"- {name}: {value}" for name, value in results["invariants"].items())
    chart = Path(f"{base}.png")
    _chart(rows, chart, f"Galerie — latency per scenario, scale {meta['scale']} ({meta['offers']:,} offers)")
    markdown = (
        f"# Galerie bench — scale {meta['scale']}, {meta['when']}\n\n"
        f"{meta['offers']:,} offers · {meta['server']} · cache {meta['cache']} · {meta['cpus']} CPUs · "
        f"{meta['connections']} connections · {meta['duration_s']:.0f} s per scenario · "
        f"Python {meta['python']}\n\n"
        f"{table}\n![latency]({chart.name})\n\n## Invariants after the load\n\n{invariants}\n"
    )
    Path(f"{base}.md").write_text(markdown)
    return {"json": f"{base}.json", "markdown": f"{base}.md", "chart": str(chart), "table": table}
