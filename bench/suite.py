#!/usr/bin/env python3
"""The hashing, derivative, ingest, re-ingest, HTTP and memory rows of bench/run.

usage: suite.py <work-dir> (normally run by bench/run, which builds the
binaries and passes them in the environment: BENCH_MEDIA, BENCH_HTTP,
BENCH_WENYUAN).

Generates its inputs deterministically (fixed seeds), then for every round
runs ours and the reference one after the other (ours first in odd rounds,
the reference first in even ones), and writes one
JSON object per measurement to <work-dir>/suite.jsonl and one per row (the
medians) to <work-dir>/rows.jsonl, which bench/report.py turns into the
table. Every process, ours or a reference, is measured the same way: wall
time around it, CPU time (user + sys, all its threads and the children it
waited for) and peak resident memory from wait4(2) — the numbers GNU time
prints.

Sizes follow the issue; BENCH_QUICK=1 shrinks them for a quick try.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import zlib
import struct

QUICK = os.environ.get("BENCH_QUICK", "") not in ("", "0")
ROUNDS = int(os.environ.get("ROUNDS", "3"))

# Input sizes: (default, quick).
PHOTOS = 16 if not QUICK else 3            # distinct 12 MP JPEGs (derivative row)
SCANS = 16 if not QUICK else 3             # distinct 6 MP TIFFs (derivative row)
INGEST_FILES = 1000 if not QUICK else 40   # 12 MP JPEGs for end-to-end and peak memory
HASH_FILES = 250 if not QUICK else 20      # of those, hashed (about 1 GB) …
HASH_PASSES = 4                            # … this many times over in one process
TREE_FILES = 20000 if not QUICK else 2000  # small files for the re-ingest row
REINGEST_REPEATS = 5                       # re-ingest/find pairs per round
WRK_SECONDS = 10 if not QUICK else 3
PHOTO_SIZE = (4000, 3000)
SCAN_SIZE = (3000, 2000)
PHOTO_SEED = 20240601
SCAN_SEED = 19580301
WEB_PX, THUMB_PX = 1600, 400
HERE = os.path.dirname(os.path.abspath(__file__))
WRK_SCRIPT = os.path.join(HERE, "cycle.lua")
VIPS_REFERENCE = os.path.join(HERE, "vips_reference.py")


def log(message):
    print(f"== {message}", file=sys.stderr, flush=True)


def run_measured(argv, stdout=subprocess.DEVNULL, env=None, cwd=None, stdin=subprocess.DEVNULL):
    """Runs a process to the end; wall seconds, CPU seconds, peak RSS in bytes."""
    stderr_path = os.path.join(WORK, "last-stderr.txt")
    with open(stderr_path, "wb") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=stdout, stderr=stderr, env=env, cwd=cwd, stdin=stdin)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0,):
        with open(stderr_path, encoding="utf-8", errors="replace") as f:
            tail = f.read()[-2000:]
        raise RuntimeError(f"{argv[0]} exited with {process.returncode}: {tail}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "max_rss_bytes": usage.ru_maxrss * 1024,
    }


def record(kind, side, round_, **values):
    entry = {"kind": kind, "side": side, "round": round_, **values}
    with open(os.path.join(WORK, "suite.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
    MEASURES.setdefault((kind, side), []).append(entry)


def emit_row(**row):
    with open(os.path.join(WORK, "rows.jsonl"), "a", encoding="utf-8") as f:
        f.write(json.dumps(row, ensure_ascii=False) + "\n")


def skipped(rows, reason):
    print(f"SKIPPED {rows}: {reason}", flush=True)
    emit_row(skipped=f"{rows}: {reason}")


def median_of(kind, side, key):
    return statistics.median(m[key] for m in MEASURES.get((kind, side), []))


def have(tool):
    return shutil.which(tool) is not None


def warm(paths):
    """Reads every file once so that it is in the page cache."""
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 20):
                pass


def write_list(name, paths):
    path = os.path.join(WORK, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(paths) + "\n")
    return path


# ---------------------------------------------------------------- inputs


def inputs_dir():
    base = os.environ.get("BENCH_INPUTS") or os.path.join(WORK, "inputs")
    return os.path.join(base, "quick" if QUICK else "full")


def generate_inputs():
    root = inputs_dir()
    marker = os.path.join(root, "complete.json")
    params = {"photos": PHOTOS, "scans": SCANS, "ingest": INGEST_FILES, "tree": TREE_FILES,
              "photo": PHOTO_SIZE, "scan": SCAN_SIZE, "seeds": [PHOTO_SEED, SCAN_SEED], "v": 2}
    if os.path.isfile(marker):
        with open(marker, encoding="utf-8") as f:
            if json.load(f) == params:
                log(f"inputs: reusing {root}")
                return root
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    log(f"inputs: {PHOTOS} photos {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} JPEG q90, "
        f"{SCANS} scans {SCAN_SIZE[0]}×{SCAN_SIZE[1]} TIFF, into {root}")
    out = subprocess.run([MEDIA, "photos", os.path.join(root, "photos"), str(PHOTOS),
                          str(PHOTO_SIZE[0]), str(PHOTO_SIZE[1]), str(PHOTO_SEED)],
                         check=True, capture_output=True, text=True).stdout
    photo_sizes = json.loads(out)["bytes"]
    subprocess.run([MEDIA, "scans", os.path.join(root, "scans"), str(SCANS),
                    str(SCAN_SIZE[0]), str(SCAN_SIZE[1]), str(SCAN_SEED)],
                   check=True, capture_output=True)
    # The ingest set: the photos again and again, each copy made distinct by
    # a JPEG comment segment right after SOI (content addressing cannot
    # dedupe them; decoding work is identical).
    log(f"inputs: {INGEST_FILES} distinct 12 MP JPEGs for the ingest rows")
    bases = sorted(os.listdir(os.path.join(root, "photos")))
    base_bytes = []
    for name in bases:
        with open(os.path.join(root, "photos", name), "rb") as f:
            base_bytes.append(f.read())
    ingest_dir = os.path.join(root, "ingest")
    os.makedirs(ingest_dir)
    for n in range(INGEST_FILES):
        data = base_bytes[n % len(base_bytes)]
        assert data[:2] == b"\xff\xd8"
        comment = f"wenyuan bench copy {n}".encode()
        segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
        with open(os.path.join(ingest_dir, f"img-{n:05d}.jpg"), "wb") as f:
            f.write(data[:2] + segment + data[2:])
    log(f"inputs: a tree of {TREE_FILES} small files for the re-ingest row")
    write_tree(os.path.join(root, "tree"), TREE_FILES)
    params["photo_bytes"] = photo_sizes
    with open(marker, "w", encoding="utf-8") as f:
        json.dump({k: v for k, v in params.items() if k != "photo_bytes"}, f)
    with open(os.path.join(root, "photo-bytes.json"), "w", encoding="utf-8") as f:
        json.dump(photo_sizes, f)
    return root


def tiny_png(n):
    """A 16 × 16 grey PNG whose pixels encode n (so every file is distinct)."""
    rows = b"".join(b"\x00" + bytes(((n >> (y % 16)) + x * 13 + y * 7) & 0xFF for x in range(16))
                    for y in range(16))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def write_tree(root, total):
    """Folders of 100 files: even ones a scanned book (numbered page images,
    one item), odd ones loose photos and text notes (one item each)."""
    per_folder = 100
    n = 0
    folder = 0
    while n < total:
        path = os.path.join(root, f"box-{folder // 10:03d}", f"folder-{folder:04d}")
        os.makedirs(path)
        for i in range(min(per_folder, total - n)):
            if folder % 2 == 0:
                name, data = f"{i + 1:04d}.png", tiny_png(n)
            elif i % 2 == 0:
                name, data = f"photo-{n:06d}.png", tiny_png(n)
            else:
                name, data = f"note-{n:06d}.txt", f"笔记 {n}: 第{folder}号文件夹的第{i}个文件\n".encode()
            with open(os.path.join(path, name), "wb") as f:
                f.write(data)
            n += 1
        folder += 1


# ---------------------------------------------------------------- rows


def hashing_round(round_, files, listing):
    if not have("b3sum"):
        return
    warm(files)
    in_turn(round_,
            lambda: record("hash", "ours", round_, **run_measured([MEDIA, "hash", listing])),
            lambda: record("hash", "ref", round_, **run_measured(
                ["b3sum", "--num-threads", "1", *(files * HASH_PASSES)])))


def vipsthumbnail_derive(files, out_dir):
    """The older reference: vipsthumbnail for the web size, then for the
    thumbnail, one process each over all files (each photo decoded twice),
    JPEG quality and subsampling as ours."""
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    os.makedirs(out_dir, exist_ok=True)
    q = DERIVE_QUALITY
    first = run_measured(["vipsthumbnail", "-s", str(WEB_PX), "-o",
                          f"{out_dir}/%s-web.jpg[Q={q},subsample-mode=on]", *files], env=env)
    second = run_measured(["vipsthumbnail", "-s", str(THUMB_PX), "-o",
                           f"{out_dir}/%s-thumb.jpg[Q={q},subsample-mode=on]", *files], env=env)
    return {key: first[key] + second[key] for key in ("wall_s", "cpu_s", "user_s", "sys_s")} | {
        "max_rss_bytes": max(first["max_rss_bytes"], second["max_rss_bytes"])}


def pyvips_derive(listing, files, out_dir, workers):
    """The reference: both sizes from one decode with libvips through pyvips
    (bench/vips_reference.py), on one thread per process, in `workers`
    processes."""
    env = dict(os.environ, VIPS_CONCURRENCY="1")
    measured = run_measured([sys.executable, VIPS_REFERENCE, out_dir, str(DERIVE_QUALITY),
                             str(workers), listing], env=env)
    produced = len(os.listdir(out_dir))
    if produced != 2 * len(files):
        raise RuntimeError(f"the pyvips reference made {produced} files, expected {2 * len(files)}")
    return measured


def in_turn(round_, *sides):
    """Runs the sides of a round, the first first in odd rounds and last in even ones."""
    for side in (sides if round_ % 2 else reversed(sides)):
        side()


def derive_round(round_, kind, files, listing):
    if not HAVE_PYVIPS:
        return
    out = os.path.join(WORK, "derive-out")

    def ours():
        shutil.rmtree(out, ignore_errors=True)
        warm(files)
        record(kind, "ours", round_, files=len(files),
               **run_measured([MEDIA, "derive", listing, out], stdout=subprocess.PIPE))
        shutil.rmtree(out, ignore_errors=True)

    def reference():
        shutil.rmtree(out, ignore_errors=True)
        warm(files)
        record(kind, "ref", round_, files=len(files), **pyvips_derive(listing, files, out, 1))
        shutil.rmtree(out, ignore_errors=True)

    def older_reference():
        if not have("vipsthumbnail"):
            return
        shutil.rmtree(out, ignore_errors=True)
        warm(files)
        record(kind, "vipsthumbnail", round_, files=len(files), **vipsthumbnail_derive(files, out))
        shutil.rmtree(out, ignore_errors=True)

    in_turn(round_, ours, reference, older_reference)
    if kind == "derive_jpeg":
        # What the reference's CPU time includes before its first file:
        # Python's start and loading libvips.
        record("pyvips_start", "ref", round_, **run_measured(
            [sys.executable, "-c", "import pyvips; pyvips.Image.black(1, 1).avg()"],
            env=dict(os.environ, VIPS_CONCURRENCY="1")))


VENUES = """
[[institution]]
id = "bench-museum"
name_zh = "基准博物馆"
name_en = "Benchmark Museum"
kind = "museum"

[[institution.collection]]
id = "photos"
name_zh = "照片"
"""


def fresh_data_dir(name):
    data = os.path.join(WORK, name)
    shutil.rmtree(data, ignore_errors=True)
    venues = os.path.join(WORK, "venues.toml")
    with open(venues, "w", encoding="utf-8") as f:
        f.write(VENUES)
    subprocess.run([WENYUAN, "institutions", "import", venues, "--data", data],
                   check=True, capture_output=True)
    return data


def ingest_command(folder, data, report):
    return [WENYUAN, "ingest", folder, "--data", data, "--institution", "bench-museum",
            "--collection", "photos", "--report", report]


def check_report(report_path, expected_added):
    with open(report_path, encoding="utf-8") as f:
        report = json.load(f)
    if report["failed"] or report["added"] != expected_added:
        raise RuntimeError(f"ingest report: added {report['added']} of {expected_added}, "
                           f"failed {report['failed']}: {report['failures'][:3]}")
    return report


def end_to_end_round(round_, folder, files, listing):
    if not HAVE_PYVIPS:
        return

    def ours():
        data = fresh_data_dir("e2e-data")
        report = os.path.join(WORK, "e2e-report.json")
        # Peak memory through GNU time: a child's ru_maxrss from wait4 starts at
        # the forking parent's resident set (this Python), GNU time's is tiny.
        rss_file = os.path.join(WORK, "e2e-rss.txt")
        wrapper = ["/usr/bin/time", "-f", "%M", "-o", rss_file] if os.path.exists("/usr/bin/time") else []
        measured = run_measured(wrapper + ingest_command(folder, data, report))
        if wrapper:
            with open(rss_file, encoding="utf-8") as f:
                measured["max_rss_bytes"] = int(f.read().split()[-1]) * 1024
        check_report(report, len(files))
        record("e2e", "ours", round_, files=len(files), **measured)
        shutil.rmtree(data, ignore_errors=True)

    def reference():
        out = os.path.join(WORK, "e2e-vips")
        shutil.rmtree(out, ignore_errors=True)
        record("e2e", "ref", round_, files=len(files), **pyvips_derive(listing, files, out, 2))
        shutil.rmtree(out, ignore_errors=True)

    in_turn(round_, ours, reference)


def reingest_prepare(tree):
    data = fresh_data_dir("tree-data")
    report = os.path.join(WORK, "tree-report.json")
    log(f"re-ingest: first (untimed) ingest of the {TREE_FILES}-file tree")
    started = time.perf_counter()
    run_measured(ingest_command(tree, data, report))
    check_report(report, TREE_FILES)
    log(f"re-ingest: first ingest took {time.perf_counter() - started:.1f} s")
    return data


def reingest_round(round_, tree, data):
    report = os.path.join(WORK, "tree-report-again.json")
    for _ in range(REINGEST_REPEATS):
        ours = run_measured(ingest_command(tree, data, report))
        with open(report, encoding="utf-8") as f:
            again = json.load(f)
        if again["unchanged"] != TREE_FILES or again["added"] or again["updated"] or again["failed"]:
            raise RuntimeError(f"re-ingest was not a no-op: {again}")
        record("reingest", "ours", round_, **ours)
        theirs = run_measured(["find", tree, "-type", "f", "-printf", "%s %T@\n"])
        record("reingest", "ref", round_, **theirs)


def parse_wrk(text):
    """wrk's own summary lines, and the line bench/cycle.lua prints in done()."""
    result = {"requests_per_s": None, "wrk_non_2xx_3xx": 0}
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("Requests/sec:"):
            result["requests_per_s"] = float(line.split()[1])
        elif line.startswith("Non-2xx or 3xx responses:"):
            result["wrk_non_2xx_3xx"] = int(line.split()[-1])
        elif line.startswith("BENCH_RESULT "):
            result |= json.loads(line[len("BENCH_RESULT "):])
    if result["requests_per_s"] is None or "p99_us" not in result:
        raise RuntimeError(f"wrk printed no result: {text[-2000:]}")
    return result


def run_wrk(base_url, paths_file, seconds, headers=()):
    """wrk -t2 -c64 with bench/cycle.lua cycling through the paths of paths_file."""
    argv = ["wrk", "-t2", "-c64", f"-d{seconds}s", "-s", WRK_SCRIPT]
    for header in headers:
        argv += ["-H", header]
    argv += [base_url, "--", paths_file]
    text = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
    return parse_wrk(text) | {"raw": text}


def http_prepare():
    """The demo archive (the real pipeline) with the corpus catalogued into
    it and the index rebuilt, an API key made with the real key mechanism,
    the bench server over it, and the request paths wrk cycles through."""
    data = os.path.join(WORK, "demo-data")
    log("http: building the demo archive (wenyuan demo --no-serve)")
    subprocess.run([WENYUAN, "demo", "--no-serve", "--data", data], check=True, capture_output=True)
    docs = os.path.join(WORK, "docs.jsonl")
    queries_file = os.path.join(WORK, "http-queries.jsonl")
    argv = [HTTP, "prepare", data, queries_file] + ([docs] if os.path.exists(docs) else [])
    log("http: cataloguing the corpus (" + ("the poems of docs.jsonl" if os.path.exists(docs)
                                              else "generated poems") + ") and the holdings")
    corpus = json.loads(subprocess.run(argv, check=True, capture_output=True, text=True).stdout)
    log(f"http: {corpus['records']:,} records catalogued; wenyuan reindex")
    subprocess.run([WENYUAN, "reindex", "--data", data], check=True, capture_output=True)
    key = subprocess.run([WENYUAN, "keys", "create", "bench-wrk", "--data", data],
                         check=True, capture_output=True, text=True).stdout.strip()
    with open(queries_file, encoding="utf-8") as f:
        queries = [json.loads(line)["q"] for line in f if line.strip()]
    api_paths = [f"/api/v1/search?q={urllib.parse.quote(q)}" for q in queries]
    page_paths = [f"/search?q={urllib.parse.quote(q)}" for q in queries]
    files = {"api": write_list("http-api-paths.txt", api_paths),
             "page": write_list("http-page-paths.txt", page_paths),
             "hello": write_list("http-hello-paths.txt", ["/hello"])}
    server = subprocess.Popen([HTTP, "serve", data], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    ports = json.loads(server.stdout.readline())
    ours = f"http://127.0.0.1:{ports['ours']}"
    hello = f"http://127.0.0.1:{ports['hello']}"
    # Every query once through the API (its total) and the page (a 200).
    totals = []
    for api_path, page_path in zip(api_paths, page_paths):
        request = urllib.request.Request(ours + api_path, headers={"X-Api-Key": key})
        with urllib.request.urlopen(request, timeout=30) as response:
            totals.append(json.load(response)["total"])
        with urllib.request.urlopen(ours + page_path, timeout=30) as response:
            response.read()
    # Warm all three (caches, connections, the key cache) for a second each.
    run_wrk(ours, files["api"], 1, [f"X-Api-Key: {key}"])
    run_wrk(ours, files["page"], 1)
    run_wrk(hello, files["hello"], 1)
    summary = {"records": corpus["records"], "poems_from": corpus["poems_from"],
               "queries": queries, "totals": totals}
    return server, ours, hello, key, files, summary


def http_round(round_, ours_url, hello_url, key, files):
    def api():
        record("http_api", "ours", round_, **run_wrk(ours_url, files["api"], WRK_SECONDS,
                                                     [f"X-Api-Key: {key}"]))

    def hello():
        record("http_hello", "ref", round_, **run_wrk(hello_url, files["hello"], WRK_SECONDS))

    def page():
        record("http_page", "ours", round_, **run_wrk(ours_url, files["page"], WRK_SECONDS))

    in_turn(round_, api, hello, page)


# ---------------------------------------------------------------- main


def derive_quality():
    """Our derivatives' JPEG quality (DeriveOptions::default), as the bench binary reports it."""
    return 82


def main():
    global WORK, MEDIA, HTTP, WENYUAN, MEASURES, DERIVE_QUALITY, HAVE_PYVIPS, VIPS_VERSION
    WORK = os.path.abspath(sys.argv[1])
    MEDIA = os.environ["BENCH_MEDIA"]
    HTTP = os.environ["BENCH_HTTP"]
    WENYUAN = os.environ["BENCH_WENYUAN"]
    MEASURES = {}
    for name in ("suite.jsonl", "rows.jsonl"):
        if os.path.exists(os.path.join(WORK, name)):
            os.remove(os.path.join(WORK, name))

    root = generate_inputs()
    photos = sorted(os.path.join(root, "photos", n) for n in os.listdir(os.path.join(root, "photos")))
    scans = sorted(os.path.join(root, "scans", n) for n in os.listdir(os.path.join(root, "scans")))
    ingest_folder = os.path.join(root, "ingest")
    ingest_files = sorted(os.path.join(ingest_folder, n) for n in os.listdir(ingest_folder))
    hash_files = ingest_files[:HASH_FILES]
    tree = os.path.join(root, "tree")

    # Our derivative quality, from the real options (one tiny derive run).
    probe = subprocess.run([MEDIA, "derive", write_list("probe.txt", photos[:1]),
                            os.path.join(WORK, "probe-out")], check=True, capture_output=True, text=True)
    DERIVE_QUALITY = json.loads(probe.stdout)["jpeg_quality"]
    shutil.rmtree(os.path.join(WORK, "probe-out"), ignore_errors=True)

    hash_list = write_list("hash-files.txt", hash_files * HASH_PASSES)
    photo_list = write_list("photos.txt", photos)
    scan_list = write_list("scans.txt", scans)
    ingest_list = write_list("ingest-files.txt", ingest_files)

    if not have("b3sum"):
        skipped("hashing row", "b3sum not found (cargo install b3sum)")
    probe = subprocess.run([sys.executable, "-c", "import pyvips; print('.'.join(str(pyvips.version(i)) for i in range(3)))"],
                           capture_output=True, text=True)
    HAVE_PYVIPS = probe.returncode == 0
    VIPS_VERSION = probe.stdout.strip()
    if not HAVE_PYVIPS:
        skipped("derivative and end-to-end rows",
                "pyvips not found (pip install pyvips; apt-get install libvips42)")
    elif not have("vipsthumbnail"):
        print("no vipsthumbnail (apt-get install libvips-tools): the older reference's "
              "figures are left out of the notes", flush=True)
    http_ready = have("wrk")
    if not http_ready:
        skipped("HTTP rows", "wrk not found (apt-get install wrk)")

    tree_data = reingest_prepare(tree)
    server = None
    try:
        if http_ready:
            server, ours_url, hello_url, key, paths, http_corpus = http_prepare()
        for round_ in range(1, ROUNDS + 1):
            log(f"round {round_}/{ROUNDS}: hashing (ours, b3sum)")
            hashing_round(round_, hash_files, hash_list)
            log(f"round {round_}/{ROUNDS}: derivatives of 12 MP JPEGs (ours, pyvips, vipsthumbnail)")
            derive_round(round_, "derive_jpeg", photos, photo_list)
            log(f"round {round_}/{ROUNDS}: derivatives of 6 MP TIFFs (ours, pyvips, vipsthumbnail)")
            derive_round(round_, "derive_tiff", scans, scan_list)
            log(f"round {round_}/{ROUNDS}: end-to-end ingest of {len(ingest_files)} JPEGs (ours, pyvips in 2 processes)")
            end_to_end_round(round_, ingest_folder, ingest_files, ingest_list)
            log(f"round {round_}/{ROUNDS}: re-ingest of the unchanged tree (ours, find), ×{REINGEST_REPEATS}")
            reingest_round(round_, tree, tree_data)
            if http_ready:
                log(f"round {round_}/{ROUNDS}: wrk /api/v1/search and /search (ours), /hello (axum)")
                http_round(round_, ours_url, hello_url, key, paths)
    finally:
        if server is not None:
            server.terminate()
            server.wait()

    summarise(photos, scans, ingest_files, hash_files, http_corpus if http_ready else None)


def http_rows(corpus):
    """Requests/s and latency rows of the API and the results page against the hello route."""
    totals = sorted(corpus["totals"])
    queries = corpus["queries"]
    lengths = {k: sum(1 for q in queries if len(q) == k) for k in range(1, 5)}
    workload = (f"{len(queries)} queries ({', '.join(f'{v}×{k} char' for k, v in lengths.items())}) "
                f"cycled by bench/cycle.lua over {corpus['records']:,} records "
                f"({'the poem corpus' if corpus['poems_from'] == 'corpus' else 'generated poems'}, "
                f"generated holdings) and the demo archive; hits a query: median "
                f"{statistics.median(totals):,.0f}, largest {totals[-1]:,}, "
                f"{sum(1 for t in totals if t == 0)} with none")
    hello = lambda key: median_of("http_hello", "ref", key)
    hello_errors = sum(m["not_2xx"] + m["socket_errors"] for m in MEASURES[("http_hello", "ref")])
    for kind, label, target, what in (
            ("http_api", "`/api/v1/search`", 0.25,
             "JSON, 20 hits a page with facets (the API's defaults), API key header"),
            ("http_page", "`/search` results page", 0.15,
             "HTML, the page's defaults (20 hits, facets)")):
        if (kind, "ours") not in MEASURES:
            continue
        errors = sum(m["not_2xx"] + m["socket_errors"] for m in MEASURES[(kind, "ours")])
        ours = lambda key: median_of(kind, "ours", key)
        emit_row(metric=f"{label} requests/s, `wrk -t2 -c64`", ours=ours("requests_per_s"),
                 reference=hello("requests_per_s"), fmt="{:,.0f}", target=target, better="higher",
                 invalid=errors > 0,
                 note=f"{what}; {workload}; reference a hello-world axum route in the same process "
                      f"through the same script; {errors} non-2xx responses or socket errors for "
                      f"ours, {hello_errors} for the reference")
        for p in (50, 99):
            emit_row(metric=f"{label} latency p{p}, ms, c=64", ours=ours(f"p{p}_us") / 1000,
                     reference=hello(f"p{p}_us") / 1000, fmt="{:.2f}", target=None, better="lower",
                     note=f"wrk's latency percentile over each run, median over rounds; "
                          f"reference the hello route's")


def summarise(photos, scans, ingest_files, hash_files, http_corpus):
    with open(os.path.join(inputs_dir(), "photo-bytes.json"), encoding="utf-8") as f:
        photo_bytes = json.load(f)
    rounds = ROUNDS
    if ("hash", "ours") in MEASURES:
        total = sum(os.path.getsize(p) for p in hash_files) * HASH_PASSES
        ours = total / 1e6 / median_of("hash", "ours", "cpu_s")
        ref = total / 1e6 / median_of("hash", "ref", "cpu_s")
        wall_ours = total / 1e6 / median_of("hash", "ours", "wall_s")
        wall_ref = total / 1e6 / median_of("hash", "ref", "wall_s")
        emit_row(metric="hashing, MB per CPU-second, 1 thread, warm", ours=ours, reference=ref,
                 fmt="{:,.0f}", target=0.9, better="higher",
                 note=f"{len(hash_files)} files ({total / HASH_PASSES / 1e6:,.0f} MB) {HASH_PASSES} times over, "
                      f"{total / 1e6:,.0f} MB a run; reference `b3sum --num-threads 1`; by wall time "
                      f"ours {wall_ours:,.0f} MB/s, b3sum {wall_ref:,.0f} MB/s ({wall_ours / wall_ref:.2f}×)")
    for kind, label, files, target in (
            ("derive_jpeg", "12 MP JPEG", photos, 2.0), ("derive_tiff", "6 MP TIFF", scans, 1.5)):
        if (kind, "ours") not in MEASURES:
            continue
        ours = len(files) / median_of(kind, "ours", "cpu_s")
        ref = len(files) / median_of(kind, "ref", "cpu_s")
        older = ""
        if (kind, "vipsthumbnail") in MEASURES:
            thumbnail = len(files) / median_of(kind, "vipsthumbnail", "cpu_s")
            older = (f"; the older reference, `VIPS_CONCURRENCY=1 vipsthumbnail -s {WEB_PX}` then "
                     f"`-s {THUMB_PX}` (two decodes), {thumbnail:.2f} pairs per CPU-second "
                     f"(ours {ours / thumbnail:.2f}×)")
        emit_row(metric=f"derivative pairs per CPU-second, {label}", ours=ours, reference=ref,
                 fmt="{:.2f}", target=target, better="higher",
                 note=f"{len(files)} files; reference libvips {VIPS_VERSION} through pyvips, both sizes "
                      f"from one decode (`thumbnail` {WEB_PX} with shrink-on-load, save, resize that to "
                      f"{THUMB_PX}, save), `VIPS_CONCURRENCY=1`, one process (its CPU time includes "
                      f"{median_of('pyvips_start', 'ref', 'cpu_s'):.2f} s of Python start and loading "
                      f"libvips){older}")
    if ("e2e", "ours") in MEASURES:
        n = len(ingest_files)
        ours = n / median_of("e2e", "ours", "wall_s")
        ref = n / median_of("e2e", "ref", "wall_s")
        emit_row(metric="end-to-end ingest, images/s, 2 cores", ours=ours, reference=ref,
                 fmt="{:.2f}", target=1.0, better="higher",
                 note=f"{n} 12 MP JPEGs; reference the same one-decode pyvips derivatives in a pool of "
                      f"2 processes (`VIPS_CONCURRENCY=1` each), derivatives only (no hashing, "
                      f"copy or catalogue)")
        rss = [m["max_rss_bytes"] for m in MEASURES[("e2e", "ours")]]
        emit_row(metric=f"peak memory ingesting {n} 12 MP JPEGs, MiB", ours=statistics.median(rss) / 2**20,
                 reference=None, fmt="{:,.0f}", absolute_target=1024, better="lower",
                 note=f"maximum resident set of `wenyuan ingest` (GNU time %M), median of rounds; largest {max(rss) / 2**20:,.0f} MiB")
    if ("reingest", "ours") in MEASURES:
        ours = median_of("reingest", "ours", "wall_s") * 1000
        ref = median_of("reingest", "ref", "wall_s") * 1000
        emit_row(metric=f"re-ingest of an unchanged {TREE_FILES:,}-file tree, ms", ours=ours, reference=ref,
                 fmt="{:,.0f}", target=3.0, better="lower",
                 note="reference `find DIR -type f -printf '%s %T@\\n'`, both warm")
    if ("http_hello", "ref") in MEASURES:
        http_rows(http_corpus)
    emit_row(info={"rounds": rounds, "photo_bytes": photo_bytes, "quick": QUICK,
                   "derive_quality": DERIVE_QUALITY})


if __name__ == "__main__":
    main()
