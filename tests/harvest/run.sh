#!/usr/bin/env bash
# Harvests every record of a freshly ingested archive over OAI-PMH with a
# real harvester (sickle, from PyPI), following resumption tokens, and checks
# the counts, the tokens' cursor/completeListSize and well-formed oai_dc.
# Usage: bash tests/harvest/run.sh   (needs cargo, python3 with venv, network to PyPI)
source "$(dirname "$0")/common.sh"
ITEMS="${ITEMS:-130}"

build_wenyuan
python_env sickle lxml
"$PYTHON" "$(dirname "$0")/make_scans.py" "$WORK/scans" "$ITEMS"
"$WENYUAN" ingest "$WORK/scans" --data "$WORK/data" >/dev/null
start_server "$WORK/data"
"$PYTHON" "$(dirname "$0")/harvest.py" "$BASE/oai" "$ITEMS"
"$PYTHON" "$(dirname "$0")/validate_xsd.py" "$BASE/oai"
