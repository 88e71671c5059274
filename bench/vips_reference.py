#!/usr/bin/env python3
"""The one-decode derivative reference: libvips through pyvips (see bench/README.md).

usage: vips_reference.py <out-dir> <jpeg-quality> <workers> <list-file>

For every file listed in <list-file> (one path a line) it makes both
derivatives from one decode, as ours does: `thumbnail` to a 1600 px box
(libvips' shrink-on-load: a JPEG is decoded at the largest DCT scale that
still gives at least 1600 px, then resized with its default Lanczos
kernel), the result copied to memory so that it is decoded once, saved as
the web image, then resized to a 400 px box from that image in memory and
saved as the thumbnail. Both are written as baseline JPEG at <jpeg-quality>
with 4:2:0 chroma subsampling, as ours.

<workers> = 1 works through the files in this process, one after another;
more starts that many worker processes (a `multiprocessing` pool, each file
one task), for the end-to-end row. Set VIPS_CONCURRENCY=1 in the
environment so that each process decodes and resizes on one thread; it is
read when libvips starts, so it applies to the workers too. Prints
`{"files": N, "outputs": M}` on stdout.
"""

import json
import multiprocessing
import os
import sys

WEB_PX, THUMB_PX = 1600, 400

OUT_DIR = None
QUALITY = None


def derive(path):
    """Both derivatives of one file from one decode; returns how many files it wrote."""
    import pyvips

    stem = os.path.splitext(os.path.basename(path))[0]
    web = pyvips.Image.thumbnail(path, WEB_PX, height=WEB_PX).copy_memory()
    web.jpegsave(os.path.join(OUT_DIR, f"{stem}-web.jpg"), Q=QUALITY, subsample_mode="on")
    thumb = web.resize(THUMB_PX / max(web.width, web.height))
    thumb.jpegsave(os.path.join(OUT_DIR, f"{stem}-thumb.jpg"), Q=QUALITY, subsample_mode="on")
    return 2


def start_worker(out_dir, quality):
    global OUT_DIR, QUALITY
    OUT_DIR, QUALITY = out_dir, quality
    import pyvips  # noqa: F401  (load libvips once per process, before the first file)


def main():
    out_dir, quality, workers, listing = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    with open(listing, encoding="utf-8") as f:
        files = [line.strip() for line in f if line.strip()]
    os.makedirs(out_dir, exist_ok=True)
    if workers == 1:
        start_worker(out_dir, quality)
        outputs = sum(derive(path) for path in files)
    else:
        with multiprocessing.get_context("fork").Pool(
                workers, initializer=start_worker, initargs=(out_dir, quality)) as pool:
            outputs = sum(pool.imap_unordered(derive, files, chunksize=1))
            pool.close()
            pool.join()
    print(json.dumps({"files": len(files), "outputs": outputs}))


if __name__ == "__main__":
    main()
