#!/usr/bin/env bash
# Runs the IIIF Image API validator (iiif-validator, from PyPI) at level 2
# against a server holding the validator's test image: a 1000×1000 grid of
# 100-pixel squares in the validator's own colours, generated here and
# ingested with a sidecar whose Dublin Core identifier is the validator's
# fixed identifier, which our server accepts as an alias of the image.
# Usage: bash tests/iiif/run.sh   (needs cargo, python3 with venv, network to PyPI)
source "$(dirname "$0")/../harvest/common.sh"
IDENTIFIER="67352ccc-d1b0-11e1-89ae-279075081939"

build_wenyuan
python_env iiif-validator pillow
mkdir -p "$WORK/scans"
"$PYTHON" - "$WORK/scans/validator.png" <<'PY'
import sys
from PIL import Image
from iiif_validator.validator import ValidationInfo
colours = ValidationInfo().colorInfo
image = Image.new("RGB", (1000, 1000))
for row in range(10):
    for column in range(10):
        # The validator indexes its table as colorInfo[x][y]: column first.
        image.paste(tuple(colours[column][row]), (column * 100, row * 100, column * 100 + 100, row * 100 + 100))
image.save(sys.argv[1])
PY
printf '{"title": "IIIF validator test image", "identifier": "%s"}\n' "$IDENTIFIER" >"$WORK/scans/validator.json"
"$WENYUAN" ingest "$WORK/scans" --data "$WORK/data" >/dev/null
start_server "$WORK/data"
status=0
"$WORK/venv/bin/iiif-validate.py" -s "127.0.0.1:$PORT" -p iiif/3 -i "$IDENTIFIER" \
    --version=3.0 --level 2 -v 2>&1 | tee "$WORK/validate.log" || status=$?
# The validator's own count, on the closing line CI sums ("Done (N tests, M failures)").
summary="$(grep -oE 'Done \([0-9]+ tests, [0-9]+ failures\)' "$WORK/validate.log" | tail -1 || true)"
[ -n "$summary" ] || { echo "iiif: 0 checks ran, 1 failed (the validator printed no summary)"; exit 1; }
ran="$(sed -E 's/Done \(([0-9]+) tests.*/\1/' <<<"$summary")"
failures="$(sed -E 's/.* ([0-9]+) failures\)/\1/' <<<"$summary")"
echo "iiif: $ran checks ran, $failures failed"
[ "$ran" -gt 0 ] || exit 1
exit "$status"
