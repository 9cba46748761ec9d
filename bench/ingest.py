#!/usr/bin/env python3
"""HTTP driver and CSV generator for bench/ingest.sh (Python 3 standard library only).

Subcommands (each prints `BENCH key=value ...` lines on stdout, progress on stderr):

  gencsv PATH ROWS [SEED]        survey CSV: header + ROWS valid random rows
  setup BASE STATE ORGS          log in, create a collecting cycle of ORGS organizations of
                                 region 71, PUT the worked-example inputs for each; STATE (JSON)
                                 keeps the token, ids and the sample organization
  upload BASE STATE CSV ORG_INDEX  stream CSV to survey-responses of the cycle's ORG_INDEXth
                                 organization; times first byte sent -> response received
  recompute BASE STATE RUNS      PATCH the cycle's settings RUNS times, toggling
                                 waiting_time_applied; checks the sample evaluation's total

BASE is e.g. http://127.0.0.1:8080. Admin password: $NOK_DEMO_PASSWORD.
"""

import http.client
import json
import os
import random
import sys
import threading
import time
import urllib.parse

# The 14 columns of tests/api/cycles.rs HEADER, in that order.
COLUMNS = [
    "used_stands", "satisfied_stand_info", "used_site", "satisfied_site_info",
    "satisfied_comfort", "has_disability", "satisfied_accessibility",
    "satisfied_first_contact", "satisfied_staff", "used_remote", "satisfied_remote",
    "would_recommend", "satisfied_organizational", "satisfied_overall",
]
# Filtered question -> its filter (a "yes" filter allows an answer; otherwise the cell is empty).
GATES = {
    "satisfied_stand_info": "used_stands",
    "satisfied_site_info": "used_site",
    "satisfied_accessibility": "has_disability",
    "satisfied_remote": "used_remote",
}
TOTAL_WITH_WAITING = "91.6"     # worked example, waiting_time_applied = true
TOTAL_WITHOUT_WAITING = "90.72"  # worked example, default settings


def log(message):
    print(f"[ingest.py {time.strftime('%H:%M:%S', time.gmtime())}] {message}", file=sys.stderr, flush=True)


def die(message):
    log(f"ERROR: {message}")
    sys.exit(1)


def bench(**fields):
    print("BENCH " + " ".join(f"{k}={v}" for k, v in fields.items()), flush=True)


# ---------------------------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------------------------
def random_row(rng):
    values = {}
    for column in COLUMNS:
        gate = GATES.get(column)
        if gate is not None and values[gate] != "yes":
            values[column] = ""  # not applicable: must stay empty
        else:
            # mostly yes, some no, a few blanks (skipped questions)
            values[column] = rng.choices(("yes", "no", ""), weights=(70, 25, 5))[0]
    return ",".join(values[c] for c in COLUMNS)


def gencsv(path, rows, seed=2026):
    """Draws rows from a pool of 8192 random valid rows: fast, and still varied."""
    rng = random.Random(seed)
    pool = [random_row(rng) for _ in range(8192)]
    started = time.monotonic()
    chunk = 100_000
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(COLUMNS) + "\n")
        left = rows
        while left > 0:
            n = min(chunk, left)
            f.write("\n".join(rng.choices(pool, k=n)))
            f.write("\n")
            left -= n
    size = os.path.getsize(path)
    log(f"wrote {rows} rows ({size / 1e6:.1f} MB) to {path} in {time.monotonic() - started:.1f}s")
    bench(rows=rows, bytes=size)


# ---------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------
class Client:
    """One keep-alive connection; JSON in and out."""

    def __init__(self, base, token=None, timeout=600):
        url = urllib.parse.urlsplit(base)
        self.host, self.port = url.hostname, url.port
        self.timeout = timeout
        self.token = token
        self.conn = None

    def connect(self):
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, method, path, body=None, headers=None, expect=(200,)):
        all_headers = {"Accept": "application/json"}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        if body is not None and not isinstance(body, (bytes, str)):
            body = json.dumps(body, ensure_ascii=False).encode()
            all_headers["Content-Type"] = "application/json"
        all_headers.update(headers or {})
        for attempt in (1, 2):
            if self.conn is None:
                self.connect()
            try:
                self.conn.request(method, path, body=body, headers=all_headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # the server closed an idle keep-alive connection: reconnect once
                self.conn.close()
                self.conn = None
                if attempt == 2:
                    raise
        if response.status not in expect:
            die(f"{method} {path} answered {response.status}: {data[:600].decode(errors='replace')}")
        return response.status, (json.loads(data) if data else None)


def login(base):
    password = os.environ.get("NOK_DEMO_PASSWORD") or die("NOK_DEMO_PASSWORD is not set")
    client = Client(base)
    _, body = client.request("POST", "/api/v1/auth/token",
                             {"username": "admin", "password": password})
    return body["access_token"]


def pages(client, path):
    """Every item of a cursor-paged list."""
    cursor = None
    while True:
        sep = "&" if "?" in path else "?"
        url = path + (f"{sep}cursor={urllib.parse.quote(cursor)}" if cursor else "")
        _, page = client.request("GET", url)
        yield from page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return


def worked_example(variation=0):
    """The inputs of tests/api/cycles.rs worked_example(); `variation` > 0 lowers a few
    satisfied counts (always <= answered) so that organizations get different totals."""
    def sc(answered, satisfied):
        return {"answered": answered, "satisfied": satisfied}
    v = variation
    return {
        "stand_information": {"found": 9, "required": 10},
        "site_information": {"found": 18, "required": 20},
        "remote_methods": ["telephone", "email", "faq"],
        "comfort_conditions": ["rest_area", "navigation", "drinking_water", "sanitary_rooms"],
        "premises_conditions": ["ramps", "disabled_parking", "adapted_sanitary_rooms"],
        "service_conditions": ["sound_visual_duplication", "braille", "sign_language",
                               "site_for_visually_impaired", "trained_escort", "remote_or_home_service"],
        "survey": {
            "respondents": 50,
            "satisfied_stand_info": sc(40, 38 - v % 7),
            "satisfied_site_info": sc(20, 19 - v % 5),
            "satisfied_comfort": sc(50, 45 - v % 11),
            "satisfied_accessibility": sc(10, 8 - v % 3),
            "satisfied_first_contact": sc(50, 49 - v % 13),
            "satisfied_staff": sc(50, 50 - v % 4),
            "satisfied_remote": sc(20, 19),
            "would_recommend": sc(50, 47 - v % 9),
            "satisfied_organizational": sc(50, 48 - v % 6),
            "satisfied_overall": sc(50, 49 - v % 8),
        },
        "waiting_time": {"served_on_time": 48 - v % 10, "served": 50},
    }


def setup(base, state_path, count, threads=4):
    token = login(base)
    client = Client(base, token)
    region = next((r for r in pages(client, "/api/v1/regions?limit=500") if r["code"] == "71"), None)
    region or die("no region with code 71; was `demo --region 71` run?")
    operators = [u for u in pages(client, "/api/v1/users?role=operator&limit=500")
                 if u["username"] == "operator"]
    operators or die("no demo user `operator`; start the server with --demo")
    operator_id = operators[0]["id"]
    organization_ids = []
    for org in pages(client, f"/api/v1/organizations?region_id={region['id']}&limit=500"):
        organization_ids.append(org["id"])
        if len(organization_ids) == count:
            break
    if len(organization_ids) < count:
        die(f"region 71 has only {len(organization_ids)} organizations, {count} wanted")
    log(f"region 71 = id {region['id']}, operator user id {operator_id}, {count} organizations")

    started = time.monotonic()
    _, cycle = client.request("POST", "/api/v1/cycles", {
        "region_id": region["id"], "year": 2024,
        "operator": {"name": "ООО «Оператор»", "contract_number": "1", "contract_date": "2024-03-01"},
        "organization_ids": organization_ids, "operator_user_ids": [operator_id],
    }, expect=(201,))
    create_s = time.monotonic() - started
    cycle_id = cycle["id"]
    client.request("POST", f"/api/v1/cycles/{cycle_id}/start-collecting")
    log(f"cycle {cycle_id} created in {create_s:.2f}s and collecting")

    # The first organization keeps the unvaried worked example: the sample whose total is known.
    errors = []
    done = [0]
    lock = threading.Lock()

    def worker(part):
        c = Client(base, token)
        for i in part:
            org = organization_ids[i]
            c.request("PUT", f"/api/v1/cycles/{cycle_id}/evaluations/{org}/inputs",
                      worked_example(i), headers={"If-Match": "*"})
            with lock:
                done[0] += 1
                if done[0] % 1000 == 0:
                    log(f"inputs: {done[0]}/{count}")

    def guarded(part):
        try:
            worker(part)
        except SystemExit as e:  # die() in a thread
            errors.append(e)
        except Exception as e:  # noqa: BLE001
            errors.append(e)
            log(f"ERROR in a PUT thread: {e!r}")

    started = time.monotonic()
    workers = [threading.Thread(target=guarded, args=(range(t, count, threads),)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        die(f"{len(errors)} PUT threads failed")
    puts_s = time.monotonic() - started
    log(f"{count} inputs PUT in {puts_s:.1f}s ({count / puts_s:.0f}/s, {threads} connections)")

    sample = organization_ids[0]
    _, evaluation = client.request("GET", f"/api/v1/cycles/{cycle_id}/evaluations/{sample}")
    total = (evaluation.get("scores") or {}).get("total", {}).get("value")
    if total != TOTAL_WITHOUT_WAITING:
        die(f"sample evaluation of organization {sample}: total {total}, expected {TOTAL_WITHOUT_WAITING}")
    _, other = client.request("GET", f"/api/v1/cycles/{cycle_id}/evaluations/{organization_ids[1]}")
    state = {"token": token, "cycle_id": cycle_id, "region_id": region["id"],
             "organization_ids": organization_ids, "sample": sample}
    with open(state_path, "w") as f:
        json.dump(state, f)
    bench(cycle_id=cycle_id, organizations=count, create_s=f"{create_s:.3f}", puts_s=f"{puts_s:.2f}",
          puts_per_s=f"{count / puts_s:.0f}", sample=sample, sample_total=total,
          second_total=(other.get("scores") or {}).get("total", {}).get("value"))


def load_state(path):
    with open(path) as f:
        return json.load(f)


def upload(base, state_path, csv_path, org_index):
    state = load_state(state_path)
    org = state["organization_ids"][int(org_index)]
    size = os.path.getsize(csv_path)
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=3600)
    path = f"/api/v1/cycles/{state['cycle_id']}/evaluations/{org}/survey-responses"
    conn.connect()
    conn.putrequest("POST", path)
    conn.putheader("Authorization", f"Bearer {state['token']}")
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Content-Length", str(size))
    conn.putheader("Accept", "application/json")
    started = time.monotonic()
    conn.endheaders()
    with open(csv_path, "rb") as f:
        while True:
            block = f.read(256 * 1024)
            if not block:
                break
            conn.send(block)
    sent = time.monotonic()
    response = conn.getresponse()
    data = response.read()
    finished = time.monotonic()
    conn.close()
    if response.status != 201:
        die(f"upload of {csv_path} answered {response.status}: {data[:800].decode(errors='replace')}")
    body = json.loads(data)
    with open(csv_path, "rb") as f:
        rows = sum(1 for _ in f) - 1
    if body.get("stored") != rows:
        die(f"upload stored {body.get('stored')} responses, the file has {rows}")
    elapsed = finished - started
    log(f"organization {org}: {rows} rows stored in {elapsed:.2f}s "
        f"(body sent after {sent - started:.2f}s); {rows / elapsed:.0f} rows/s; complete={body.get('complete')}")
    bench(organization=org, rows=rows, bytes=size, seconds=f"{elapsed:.3f}",
          send_seconds=f"{sent - started:.3f}", rows_per_s=f"{rows / elapsed:.0f}",
          stored=body.get("stored"), total_responses=body.get("total_responses"),
          complete=str(body.get("complete")).lower())


def recompute(base, state_path, runs):
    state = load_state(state_path)
    client = Client(base, state["token"], timeout=600)
    cycle_id = state["cycle_id"]
    sample = state["sample"]
    times = []
    for run in range(int(runs)):
        _, cycle = client.request("GET", f"/api/v1/cycles/{cycle_id}")
        settings = cycle["settings"]
        settings["waiting_time_applied"] = not settings["waiting_time_applied"]
        started = time.monotonic()
        client.request("PATCH", f"/api/v1/cycles/{cycle_id}", {"settings": settings},
                       headers={"If-Match": "*", "Content-Type": "application/merge-patch+json"})
        elapsed = time.monotonic() - started
        times.append(elapsed)
        _, evaluation = client.request("GET", f"/api/v1/cycles/{cycle_id}/evaluations/{sample}")
        total = (evaluation.get("scores") or {}).get("total", {}).get("value")
        expected = TOTAL_WITH_WAITING if settings["waiting_time_applied"] else TOTAL_WITHOUT_WAITING
        if total != expected:
            die(f"after recompute {run + 1} (waiting_time_applied={settings['waiting_time_applied']}) "
                f"the sample total is {total}, expected {expected}")
        log(f"recompute {run + 1}: waiting_time_applied={settings['waiting_time_applied']} "
            f"in {elapsed:.3f}s; sample total {total} as expected")
        bench(run=run + 1, waiting_time_applied=str(settings["waiting_time_applied"]).lower(),
              seconds=f"{elapsed:.4f}", sample_total=total)


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    command, args = argv[1], argv[2:]
    if command == "gencsv":
        gencsv(args[0], int(args[1]), *(int(a) for a in args[2:3]))
    elif command == "setup":
        setup(args[0], args[1], int(args[2]))
    elif command == "upload":
        upload(*args[:4])
    elif command == "recompute":
        recompute(*args[:3])
    else:
        die(f"unknown command {command}\n{__doc__}")


if __name__ == "__main__":
    main(sys.argv)
