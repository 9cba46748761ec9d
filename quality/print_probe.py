#!/usr/bin/env python3
"""Print-ready exports (quality/print.sh): every XLSX export as an official would print it.

Usage: print_probe.py BASE_URL PASSWORD OUT_DIR. Python standard library only, plus LibreOffice
(`soffice`) and poppler-utils (`pdftotext`, `pdfinfo`) on PATH.

Against a `serve --demo` server: imports the seed 000 plan (г. Москва, region-wide, 22 measures)
as the admin, approves it and writes a report on three of its measures; downloads the plan, the
report, the ratings and the results of the demo region's 2018 cycle (16 organizations) as XLSX;
converts each to PDF with LibreOffice headless; and checks with pdfinfo and pdftotext that
every page is A4 landscape, that every page carries every column heading of its table (the
heading's words in reading order among the page's first lines), that scores are printed with
two decimals, and that the seed 000 plan and the 16-organization rating fit in the pages below.
Prints the page counts and file sizes measured.
"""

import csv
import glob
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

BASE, PASSWORD, OUT = sys.argv[1], sys.argv[2], sys.argv[3]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEED_000 = glob.glob(os.path.join(ROOT, "tests/fixtures/seeds/000_*.txt"))[0]
# The most landscape A4 pages each may take (README, "Print-ready exports").
MAX_PAGES = {"plan": 6, "ratings": 4}
# Lines from a page's top within which its column headings must be complete: the title block
# and the approval block of the first page, then headings wrapped in narrow columns.
HEADING_LINES = 45
A4_LANDSCAPE = (842, 595)  # points, ±1
failures = []


def fail(message):
    failures.append(message)
    print(f"FAIL: {message}")


def call(method, path, token=None, body=None, content_type="application/json", headers=None):
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", content_type)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def expect(what, status, wanted, body):
    if status != wanted:
        raise SystemExit(f"{what}: HTTP {status}, expected {wanted}: {body[:500]!r}")


def login(username):
    status, _, body = call(
        "POST", "/api/v1/auth/token", body={"username": username, "password": PASSWORD}
    )
    expect(f"login {username}", status, 200, body)
    return json.loads(body)["access_token"]


def items(body):
    value = json.loads(body)
    return value["items"] if isinstance(value, dict) and "items" in value else value


def prepare_plan_and_report(admin):
    status, _, body = call("GET", "/api/v1/regions?limit=100", admin)
    expect("regions", status, 200, body)
    moscow = next(r["id"] for r in items(body) if r["code"] == "77")
    with open(SEED_000, "rb") as f:
        seed = f.read()
    query = f"region_id={moscow}&methodology_id=pre-2018-five-criteria"
    status, _, body = call("POST", f"/api/v1/plans/import?{query}", admin, seed, "text/csv")
    expect("import seed 000", status, 201, body)
    plan = json.loads(body)["plan"]
    plan_id = plan["id"]
    for step in ("submit", "approve"):
        status, _, body = call("POST", f"/api/v1/plans/{plan_id}/{step}", admin)
        expect(f"plan {step}", status, 200, body)
    status, headers, body = call(
        "POST",
        f"/api/v1/plans/{plan_id}/reports",
        admin,
        {"period": {"kind": "year", "year": plan["year"]}},
    )
    expect("report", status, 201, body)
    report = json.loads(body)
    etag = headers.get("ETag") or headers.get("etag")
    measures = [m for s in plan["sections"] for m in s["measures"]]
    # As seed 004 reports: what was done, when, with figures.
    for m in measures[:3]:
        entry = {
            "measures_taken": "Информация на стендах и официальном сайте обновлена, "
            "проведена проверка полноты сведений",
            "actual_date": f"{plan['year']}-12-20",
            "execution_info": "в течение года: публикации в СМИ – 19; сайт и социальные сети – 696",
            "result": "Повышение удовлетворенности граждан информированностью",
            "figures": [
                {"name": "Опрошено получателей услуг", "value": "719", "unit": "чел."},
                {"name": "Готовы рекомендовать организацию", "value": "716", "unit": "чел."},
            ],
        }
        status, headers, body = call(
            "PUT",
            f"/api/v1/plans/{plan_id}/reports/{report['id']}/entries/{m['id']}",
            admin,
            entry,
            headers={"If-Match": etag},
        )
        expect("report entry", status, 200, body)
        etag = headers.get("ETag") or headers.get("etag")
    return plan_id, report["id"], len(measures)


def demo_cycle(admin):
    status, _, body = call("GET", "/api/v1/cycles?limit=100", admin)
    expect("cycles", status, 200, body)
    cycles = [c for c in items(body) if c["year"] == 2018]
    if not cycles:
        raise SystemExit("no demo cycle of 2018")
    return cycles[0]["id"]


def download(token, path, name):
    status, headers, body = call("GET", path, token)
    expect(f"download {name}", status, 200, body)
    if not body.startswith(b"PK"):
        raise SystemExit(f"{name}: not an XLSX file")
    file = os.path.join(OUT, f"{name}.xlsx")
    with open(file, "wb") as f:
        f.write(body)
    return file


def to_pdf(xlsx):
    profile = tempfile.mkdtemp(prefix="nok-print-lo.")
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            OUT,
            xlsx,
        ],
        check=True,
        timeout=120,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    subprocess.run(["rm", "-rf", profile], check=False)
    return xlsx[: -len(".xlsx")] + ".pdf"


def page_sizes(pdf):
    info = subprocess.run(
        ["pdfinfo", "-f", "1", "-l", "9999", pdf], check=True, capture_output=True, text=True
    ).stdout
    return [
        (float(w), float(h))
        for w, h in re.findall(r"Page +\d+ size: +([\d.]+) x ([\d.]+) pts", info)
    ]


def pages_text(pdf):
    text = subprocess.run(
        ["pdftotext", "-layout", pdf, "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = text.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def words(text):
    return re.findall(r"[\w№/.,()«»:-]+", text)


def has_heading(page, heading):
    """The heading's words in reading order among the page's first lines (other columns'
    words may come between: wrapped headings share lines)."""
    lines = [line for line in page.splitlines() if line.strip()][:HEADING_LINES]
    return in_order(" ".join(lines), heading)


# As src/export/print.rs prints them: when a table has a heading longer than this, headings led
# by a code («1.1.», «K1.») are printed as the code and listed in full under the table.
LONG_HEADING = 120
CODE = re.compile(r"^((?:\d+|K\d+)(?:\.\d+)*)\. ")


def printed(headings):
    if all(len(h) <= LONG_HEADING for h in headings):
        return headings, []
    shown, legend = [], []
    for h in headings:
        code = CODE.match(h)
        shown.append(code.group(1) if code else h)
        if code:
            legend.append(h)
    return shown, legend


def in_order(text, phrase):
    tokens, wanted, i = words(text), words(phrase), 0
    for token in tokens:
        if i < len(wanted) and token == wanted[i]:
            i += 1
    return i == len(wanted)


def check(name, pdf, headings, max_pages=None, decimals=False):
    sizes = page_sizes(pdf)
    pages = pages_text(pdf)
    headings, legend = printed(headings)
    for full in legend:
        if not in_order("\n".join(pages), full):
            fail(f"{name}: the heading «{full[:60]}…» is not printed in full under the table")
    size = os.path.getsize(pdf[: -len(".pdf")] + ".xlsx")
    print(f"{name}: {len(pages)} landscape A4 page(s), XLSX {size} bytes, PDF {os.path.getsize(pdf)} bytes")
    if len(sizes) != len(pages):
        fail(f"{name}: pdfinfo gives {len(sizes)} page sizes for {len(pages)} pages")
    for n, (w, h) in enumerate(sizes, 1):
        if abs(w - A4_LANDSCAPE[0]) > 1 or abs(h - A4_LANDSCAPE[1]) > 1:
            fail(f"{name}: page {n} is {w} x {h} pts, not A4 landscape")
    for n, page in enumerate(pages, 1):
        missing = [h for h in headings if not has_heading(page, h)]
        if missing:
            fail(f"{name}: page {n} lacks the headings {missing}")
    if max_pages is not None and len(pages) > max_pages:
        fail(f"{name}: {len(pages)} pages, more than {max_pages}")
    if decimals:
        text = "\n".join(pages)
        if not re.search(r"\b\d{2,3}[.,]\d0\b", text):
            fail(f"{name}: no score printed with two decimals ending in 0 (e.g. 96.10)")
    return len(pages)


def main():
    os.makedirs(OUT, exist_ok=True)
    started = time.monotonic()
    admin = login("admin")
    plan_id, report_id, measures = prepare_plan_and_report(admin)
    cycle = demo_cycle(admin)
    status, _, body = call("GET", f"/api/v1/cycles/{cycle}/ratings?limit=100", admin)
    expect("rating", status, 200, body)
    organizations = len(json.loads(body)["items"])
    print(f"seed 000 plan: {measures} measures; demo rating 2018: {organizations} organizations")

    files = {
        "plan": download(admin, f"/api/v1/plans/{plan_id}/export?format=xlsx", "plan"),
        "report": download(
            admin, f"/api/v1/plans/{plan_id}/reports/{report_id}/export?format=xlsx", "report"
        ),
        "ratings": download(admin, f"/api/v1/cycles/{cycle}/ratings/export?format=xlsx", "ratings"),
        "results": download(admin, f"/api/v1/cycles/{cycle}/results/export?format=xlsx", "results"),
    }
    headings = {name: table_headings(name, cycle, plan_id, report_id, admin) for name in files}
    for name, xlsx in files.items():
        pdf = to_pdf(xlsx)
        check(
            name,
            pdf,
            headings[name],
            MAX_PAGES.get(name),
            decimals=name in ("ratings", "results"),
        )
    print(f"took {time.monotonic() - started:.0f} s")
    if organizations != 16:
        fail(f"the demo rating has {organizations} organizations, not 16")
    if failures:
        print(f"print: {len(failures)} failure(s)")
        sys.exit(1)


def table_headings(name, cycle, plan_id, report_id, token):
    """The column headings of each export, from its CSV (the same table, machine-readable)."""
    path = {
        "plan": f"/api/v1/plans/{plan_id}/export?format=csv",
        "report": f"/api/v1/plans/{plan_id}/reports/{report_id}/export?format=csv",
        "ratings": f"/api/v1/cycles/{cycle}/ratings/export?format=csv",
        "results": f"/api/v1/cycles/{cycle}/results/export?format=csv",
    }[name]
    status, _, body = call("GET", path, token)
    expect(f"{name} CSV", status, 200, body)
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    # The heading row is the first that starts with one of the tables' first headings.
    first = ("№ п/п", "Место в рейтинге", "Форма социального обслуживания")
    row = next(r for r in rows if r and r[0] in first)
    if row[0] == "Форма социального обслуживания":
        row = row[1:]  # the CSV's sheet column; each XLSX sheet is its own table
    return [h for h in row if h]


if __name__ == "__main__":
    main()
