#!/usr/bin/env bash
# Print-ready exports (issue 15): the release binary with --demo on a fresh SQLite database; the
# seed 000 plan imported, approved and reported on; the plan, the report, the ratings and the
# results downloaded as XLSX, converted to PDF with LibreOffice headless and read back with
# pdftotext/pdfinfo (quality/print_probe.py): every page A4 landscape and carrying every column
# heading of its table, scores with two decimals, the seed 000 plan (22 measures) in at most 8
# pages and the 16-organization rating workbook (4 sheets) in at most 4. Bounded to 3 minutes.
# Output: build/quality/print.txt and the files in build/quality/print/.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

for tool in soffice pdftotext pdfinfo; do
    command -v "$tool" >/dev/null || die "$tool is missing (packages libreoffice-calc-nogui, poppler-utils)"
done
release_binary
start_demo_server
rm -rf "$OUT/print"
rc=0
timeout 180 python3 "$QDIR/print_probe.py" "$BASE" "$DEMO_PASSWORD" "$OUT/print" >"$OUT/print.txt" 2>&1 || rc=$?
cat "$OUT/print.txt"
echo
if [[ $rc -eq 0 ]]; then
    echo "print: PASS (details: build/quality/print.txt, files in build/quality/print/)"
else
    echo "print: FAIL (exit $rc; details: build/quality/print.txt)"
    exit 1
fi
