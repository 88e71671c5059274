#!/usr/bin/env python3
"""Summarises the rounds of bench/run into one results table.

usage: report.py <out-dir> <machine-line> [<run-line>]

Search rows: reads <out-dir>/queries.jsonl (truth), <out-dir>/ours.jsonl and
<out-dir>/ref.jsonl (one JSON object per round each). Per round, a query's
latency is the median of its timed passes; p50/p95 are taken over the
queries (nearest rank); every number in the table is the median over rounds.
The other rows come ready as medians from <out-dir>/rows.jsonl (written by
bench/suite.py). Prints the table and writes it to bench/results/latest.md.
"""

import json
import os
import statistics
import sys


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def pct(values, p):
    values = sorted(values)
    rank = max(1, -(-len(values) * p // 100))  # nearest rank, ceil
    return values[int(rank) - 1]


def lat_ms(round_, key, p, select=None):
    per_query = [statistics.median(samples) for samples in round_[key]]
    if select is not None:
        per_query = [v for v, keep in zip(per_query, select) if keep]
    return pct(per_query, p) / 1e6


def med(rounds, f):
    return statistics.median(f(r) for r in rounds)


def search_rows(out_dir, row, lines):
    """Adds the search rows; returns the number of queries we answered short (must be 0)."""
    queries = load(os.path.join(out_dir, "queries.jsonl"))
    ours = load(os.path.join(out_dir, "ours.jsonl"))
    ref = load(os.path.join(out_dir, "ref.jsonl"))
    long_q = [q["chars"] >= 3 for q in queries]

    row("build, docs/s", med(ours, lambda r: r["docs_per_s"]), med(ref, lambda r: r["docs_per_s"]),
        "{:,.0f}", 1.5, "higher")
    per_cpu = all("docs_per_cpu_s" in r for r in ours + ref)
    if per_cpu:
        row("build, docs per CPU-second", med(ours, lambda r: r["docs_per_cpu_s"]),
            med(ref, lambda r: r["docs_per_cpu_s"]), "{:,.0f}")
    row("index size, MB", med(ours, lambda r: r["size_bytes"]) / 1e6,
        med(ref, lambda r: r["size_bytes"]) / 1e6, "{:.1f}", 1.0, "lower")
    for facets, key in (("off", "lat_ns"), ("on", "lat_facets_ns")):
        for p in (50, 95):
            target = 1.0 if p == 95 else None
            row(f"top-20 query p{p}, ms, facets {facets}",
                med(ours, lambda r: lat_ms(r, key, p)), med(ref, lambda r: lat_ms(r, "lat_ns", p)),
                "{:.3f}", target, "lower")
    row("top-20 query p95, ms, facets on, 3–4 chars only",
        med(ours, lambda r: lat_ms(r, "lat_facets_ns", 95, long_q)),
        med(ref, lambda r: lat_ms(r, "lat_ns", 95, long_q)), "{:.3f}")
    # The reference's first statement alone (no "N results"), for comparison.
    if all("lat_top_ns" in r for r in ref):
        for p in (50, 95):
            row(f"top-20 query p{p}, ms, facets off; reference without its count",
                med(ours, lambda r: lat_ms(r, "lat_ns", p)),
                med(ref, lambda r: lat_ms(r, "lat_top_ns", p)), "{:.3f}")

    # Recall (hit counts do not change between rounds; take the first).
    ours_hits, ref_hits = ours[0]["hits"], ref[0]["hits"]
    n = len(queries)
    ref_zero = [q for q, h in zip(queries, ref_hits) if h == 0 and q["truth_raw"] > 0]
    ref_zero_short = sum(1 for q in ref_zero if q["chars"] < 3)
    ref_short_of_raw = sum(1 for q, h in zip(queries, ref_hits) if h < q["truth_raw"])
    ref_short_of_folded = sum(1 for q, h in zip(queries, ref_hits) if h < q["truth_folded"])
    ours_short = sum(1 for q, h in zip(queries, ours_hits) if h < q["truth_folded"])
    ours_over = sum(1 for q, h in zip(queries, ours_hits) if h > q["truth_folded"])
    lengths = {k: sum(1 for q in queries if q["chars"] == k) for k in range(1, 5)}
    traditional = sum(1 for q in queries if q.get("traditional"))

    lines.append(f"Search: {ours[0]['docs']:,} poems; {n} queries "
                 f"({', '.join(f'{v}×{k} char' for k, v in lengths.items())}; "
                 f"{traditional} with traditional-only characters); "
                 f"{len(ours)} rounds interleaved, ours first in odd rounds and the reference "
                 f"first in even ones; medians. "
                 f"Reference: SQLite {ref[0].get('sqlite', '?')} FTS5 trigram"
                 + (f", `PRAGMA mmap_size` {ref[0]['mmap_size'] / 2**20:,.0f} MiB and "
                    f"`cache_size` {-ref[0]['cache_size'] / 1024:,.0f} MiB"
                    if "mmap_size" in ref[0] and ref[0]["cache_size"] < 0 else "")
                 + ". "
                 f"A query is timed as a result page needs it: the first 20 hits with "
                 f"highlights and the number of matches (ours in one search; the reference "
                 f"in two statements, the last rows without its count).")
    lines.append("")
    if per_cpu:
        lines.append(f"Indexing threads: ours {ours[0].get('indexing_threads', '?')} (tantivy's rebuild "
                     f"writer, counted by name while it is open; its final merge into one segment runs "
                     f"on one more), FTS5 {ref[0].get('indexing_threads', 1)}. Build CPU time "
                     f"(user + sys, every thread of the process) ours "
                     f"{med(ours, lambda r: r['build_cpu_s']):.1f} s against "
                     f"{med(ours, lambda r: r['build_s']):.1f} s of wall time, "
                     f"FTS5 {med(ref, lambda r: r['build_cpu_s']):.1f} s against "
                     f"{med(ref, lambda r: r['build_s']):.1f} s.")
        lines.append("")
    lines.append(f"Recall (truth = documents whose title, author or text contains the query "
                 f"as a substring, after folding both to simplified; raw = without folding):")
    lines.append("")
    lines.append(f"- FTS5 returned 0 hits for {len(ref_zero)} of {n} queries that have raw hits "
                 f"({ref_zero_short} of them shorter than 3 characters); it found fewer than the raw "
                 f"truth for {ref_short_of_raw} and fewer than the folded truth for {ref_short_of_folded}.")
    lines.append(f"- ours found fewer than the folded truth for {ours_short} of {n} queries "
                 f"(must be 0), more for {ours_over}.")
    lines.append(f"- hits summed over all queries: ours {sum(ours_hits):,}, FTS5 {sum(ref_hits):,}, "
                 f"folded truth {sum(q['truth_folded'] for q in queries):,}, "
                 f"raw truth {sum(q['truth_raw'] for q in queries):,}.")
    lines.append("")
    explore_rows(out_dir, ours, ref, row, lines)
    return ours_short


def explore_rows(out_dir, ours, ref, row, lines):
    """The exploratory queries: latency rows and, per engine, where a relevant record came."""
    path = os.path.join(out_dir, "explore.jsonl")
    if not os.path.exists(path) or not all("explore_lat_ns" in r for r in ours + ref):
        return
    explore = load(path)
    for p in (50, 95):
        row(f"exploratory query p{p}, ms, facets on",
            med(ours, lambda r: lat_ms(r, "explore_lat_ns", p)),
            med(ref, lambda r: lat_ms(r, "explore_lat_ns", p)), "{:.3f}")

    def shares(result):
        first = top3 = top20 = 0
        for query, ids in zip(explore, result["explore_ids"]):
            relevant = set(query["relevant"])
            rank = next((i for i, id_ in enumerate(ids) if id_ in relevant), None)
            first += rank == 0
            top3 += rank is not None and rank < 3
            top20 += rank is not None
        zero = sum(1 for h in result["explore_hits"] if h == 0)
        n = len(explore)
        return (f"a relevant record first for {100 * first / n:.1f}%, in the top 3 for "
                f"{100 * top3 / n:.1f}%, in the top 20 for {100 * top20 / n:.1f}%; "
                f"zero results for {zero} of {n}")

    relaxed = ours[0].get("explore_relaxed", 0)
    lines.append(f"Exploratory queries ({len(explore)}: 2–4 words typed without spaces, some with 的, "
                 f"some in traditional characters, over {ours[0].get('holdings', 600)} generated local "
                 f"holdings mixed into the poems; relevant = the records sharing every attribute the "
                 f"query names):")
    lines.append("")
    lines.append(f"- ours: {shares(ours[0])} ({relaxed} answered by a relaxed query, which says so).")
    lines.append(f"- FTS5: {shares(ref[0])} (it has no Chinese word segmentation: a query is one phrase).")
    lines.append("")


def main():
    out_dir, machine = sys.argv[1], sys.argv[2]
    run_line = sys.argv[3] if len(sys.argv) > 3 else ""
    rows = []

    def row(metric, a, b, fmt, target=None, better=None, invalid=False):
        ratio = a / b if b else float("inf")
        met = ""
        if target is not None:
            met = "yes" if (ratio >= target if better == "higher" else ratio <= target) else "NO"
        if invalid:
            met = "INVALID"
        tgt = "" if target is None else ("≥ " if better == "higher" else "≤ ") + f"{target:g}×"
        rows.append((metric, fmt.format(a), fmt.format(b), f"{ratio:.2f}×", tgt, met))

    search_lines, notes, skipped = [], [], []
    ours_short = 0
    if os.path.exists(os.path.join(out_dir, "ours.jsonl")):
        ours_short = search_rows(out_dir, row, search_lines)
    skipped_path = os.path.join(out_dir, "search-skipped.txt")
    if os.path.exists(skipped_path):
        with open(skipped_path, encoding="utf-8") as f:
            skipped.append(f.read().strip())

    info = {}
    rows_path = os.path.join(out_dir, "rows.jsonl")
    for entry in load(rows_path) if os.path.exists(rows_path) else []:
        if "skipped" in entry:
            skipped.append("SKIPPED " + entry["skipped"])
        elif "info" in entry:
            info = entry["info"]
        elif entry.get("reference") is None:
            limit = entry["absolute_target"]
            value = entry["ours"]
            met = "yes" if (value < limit if entry["better"] == "lower" else value > limit) else "NO"
            rows.append((entry["metric"], entry["fmt"].format(value), "—", "—",
                         ("< " if entry["better"] == "lower" else "> ") + f"{limit:,} MiB", met))
            notes.append(f"- {entry['metric']}: {entry['note']}")
        else:
            row(entry["metric"], entry["ours"], entry["reference"], entry["fmt"], entry["target"],
                entry["better"], entry.get("invalid", False))
            notes.append(f"- {entry['metric']}: {entry['note']}")

    lines = []
    rounds = info.get("rounds") or os.environ.get("ROUNDS", "3")
    lines.append(f"{rounds} rounds, ours and the reference interleaved (ours first in odd rounds, "
                 f"the reference first in even ones; re-ingest and `find` alternate five times a round); "
                 f"every figure the median over the rounds; ratio = ours / reference."
                 + (" QUICK sizes (BENCH_QUICK=1), not the issue's." if info.get("quick") else ""))
    lines.append("")
    lines.append("| metric | ours | reference | ratio | target | met? |")
    lines.append("| --- | ---: | ---: | ---: | --- | --- |")
    for r in rows:
        lines.append("| " + " | ".join(r) + " |")
    lines.append("")
    for line in skipped:
        lines.append(line)
        lines.append("")
    if notes:
        lines.append("Rows after the search ones (see bench/README.md):")
        lines.append("")
        lines.extend(notes)
        if info.get("photo_bytes"):
            sizes = info["photo_bytes"]
            lines.append(f"- generated 12 MP photos: {min(sizes) / 1e6:.1f}–{max(sizes) / 1e6:.1f} MB "
                         f"each (q90, 4:2:0); derivatives at JPEG quality {info.get('derive_quality')}, "
                         f"4:2:0, for ours and vipsthumbnail alike")
        lines.append("")
    lines.extend(search_lines)
    lines.append(f"Machine: {machine}" + (f"; run took {run_line}" if run_line else ""))
    text = "\n".join(lines)
    print(text)
    here = os.path.dirname(os.path.abspath(__file__))
    os.makedirs(os.path.join(here, "results"), exist_ok=True)
    # BENCH_ONLY=search runs only the corpus rows; keep the full table apart.
    name = "latest-search.md" if os.environ.get("BENCH_ONLY") == "search" else "latest.md"
    with open(os.path.join(here, "results", name), "w", encoding="utf-8") as f:
        f.write("# Latest benchmark run\n\n" + text + "\n")
    return 1 if ours_short else 0


if __name__ == "__main__":
    sys.exit(main())
