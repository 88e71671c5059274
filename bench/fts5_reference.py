#!/usr/bin/env python3
"""The reference: SQLite FTS5 with the trigram tokenizer on the same documents
and queries as the wenyuan search benchmark (see bench/README.md).

usage: fts5_reference.py <out-dir> <db-path>

Reads <out-dir>/docs.jsonl and <out-dir>/queries.jsonl (written by the bench
binary's `prepare`), builds an FTS5 table over title, creator and text in one
transaction, then times every query in-process as a result page needs it,
which is what one search of ours returns: the first 20 hits (quoted phrase,
ORDER BY rank LIMIT 20, with a highlighted title and a snippet) and the
number of matches ("N results"; FTS5's auxiliary functions cannot run beside
a window function, so that is a second statement). `lat_ns` is the page (both
statements), `lat_top_ns` the first statement alone, from the same runs.
The exploratory queries (<out-dir>/explore.jsonl: several words typed without
spaces, over the generated local holdings in docs.jsonl) go through the same
page statements, timed the same way; the first 20 ids of each are kept so
that the report can say where a relevant record came. FTS5 has no word
segmentation for Chinese: a query is its phrase, as for the others.

SQLite runs with a memory map and a page cache large enough for the whole
database (`PRAGMA mmap_size`, `PRAGMA cache_size`, 1 GiB each, set before
the table is made), so that neither the build nor a query waits on its
default 2 MB cache or on read(2). It indexes on one thread (SQLite's FTS5
has no parallel build); `build_cpu_s` is the process CPU time (user + sys)
of the build, for docs per CPU-second beside docs per second.
Prints one JSON object on stdout, in the same shape as the Rust side.
"""

import json
import os
import sqlite3
import sys
import time

PASSES = 3  # timed passes after one untimed warm-up pass, as on the Rust side
LIMIT = 20
# Memory map and page cache, bytes; cache_size takes KiB when negative.
MMAP_BYTES = 1 << 30
CACHE_KIB = 1 << 20

SEARCH = (
    "SELECT id, highlight(poems, 1, '<b>', '</b>'), "
    "snippet(poems, 3, '<b>', '</b>', '…', 40) "
    "FROM poems WHERE poems MATCH ? ORDER BY rank LIMIT ?"
)
COUNT = "SELECT count(*) FROM poems WHERE poems MATCH ?"


def main():
    out_dir, db_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(out_dir, "docs.jsonl"), encoding="utf-8") as f:
        docs = [json.loads(line) for line in f]
    with open(os.path.join(out_dir, "queries.jsonl"), encoding="utf-8") as f:
        queries = [json.loads(line)["q"] for line in f]
    explore_path = os.path.join(out_dir, "explore.jsonl")
    explore = []
    if os.path.exists(explore_path):
        with open(explore_path, encoding="utf-8") as f:
            explore = [json.loads(line)["q"] for line in f]
    rows = [(d["id"], d["title"], d["creator"], d["text"]) for d in docs]
    for path in (db_path, db_path + "-journal"):
        if os.path.exists(path):
            os.remove(path)

    started = time.perf_counter_ns()
    started_cpu = time.process_time()
    db = sqlite3.connect(db_path)
    db.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
    db.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
    db.execute(
        "CREATE VIRTUAL TABLE poems USING fts5("
        "id UNINDEXED, title, creator, text, tokenize='trigram')"
    )
    with db:
        db.executemany("INSERT INTO poems VALUES (?, ?, ?, ?)", rows)
    build_s = (time.perf_counter_ns() - started) / 1e9
    build_cpu_s = time.process_time() - started_cpu
    mmap_bytes = db.execute("PRAGMA mmap_size").fetchone()[0]
    cache_pages = db.execute("PRAGMA cache_size").fetchone()[0]
    size_bytes = os.path.getsize(db_path)

    def phrase(q):
        return '"' + q.replace('"', '""') + '"'

    hits = [db.execute(COUNT, (phrase(q),)).fetchone()[0] for q in queries]
    for q in queries:  # warm-up
        db.execute(SEARCH, (phrase(q), LIMIT)).fetchall()
    lat = [[] for _ in queries]
    lat_top = [[] for _ in queries]
    for _ in range(PASSES):
        for i, q in enumerate(queries):
            t0 = time.perf_counter_ns()
            db.execute(SEARCH, (phrase(q), LIMIT)).fetchall()
            t1 = time.perf_counter_ns()
            db.execute(COUNT, (phrase(q),)).fetchone()
            t2 = time.perf_counter_ns()
            lat[i].append(t2 - t0)
            lat_top[i].append(t1 - t0)
    explore_hits = [db.execute(COUNT, (phrase(q),)).fetchone()[0] for q in explore]
    explore_ids = [[row[0] for row in db.execute(SEARCH, (phrase(q), LIMIT))] for q in explore]
    explore_lat = [[] for _ in explore]
    for _ in range(PASSES):
        for i, q in enumerate(explore):
            t0 = time.perf_counter_ns()
            db.execute(SEARCH, (phrase(q), LIMIT)).fetchall()
            db.execute(COUNT, (phrase(q),)).fetchone()
            explore_lat[i].append(time.perf_counter_ns() - t0)
    db.close()
    print(
        json.dumps(
            {
                "engine": "fts5-trigram",
                "sqlite": sqlite3.sqlite_version,
                "docs": len(rows),
                "build_s": build_s,
                "docs_per_s": len(rows) / build_s,
                "build_cpu_s": build_cpu_s,
                "docs_per_cpu_s": len(rows) / build_cpu_s,
                "indexing_threads": 1,
                "mmap_size": mmap_bytes,
                "cache_size": cache_pages,
                "size_bytes": size_bytes,
                "hits": hits,
                "lat_ns": lat,
                "lat_top_ns": lat_top,
                "explore_hits": explore_hits,
                "explore_ids": explore_ids,
                "explore_lat_ns": explore_lat,
            }
        )
    )


if __name__ == "__main__":
    main()
