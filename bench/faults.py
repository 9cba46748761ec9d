#!/usr/bin/env python3
"""HTTP driver of the fault scripts bench/etag_race.sh, bench/kill_upload.sh, bench/pg_outage.sh
(Python 3 standard library only; reuses bench/ingest.py's client and CSV generator).

Subcommands (each prints `BENCH key=value ...` lines on stdout, progress on stderr):

  race BASE TOKEN ORG_ID N           N threads, one connection each, meet at a barrier and send
                                     PATCH /api/v1/organizations/ORG_ID with the same If-Match;
                                     counts the statuses and checks the organization afterwards
  evaluation BASE STATE ORG_INDEX    one evaluation of the cycle in STATE: ETag, updated_at,
                                     survey_responses, uploaded survey and total (a JSON line)
  killupload BASE STATE CSV ORG_INDEX PID PHASE AT [POST_SEND_S]
                                     streams CSV like `ingest.py upload` and kill -9s PID:
                                     PHASE=transfer: once AT (0..1) of the body has been sent;
                                     PHASE=transaction: AT x POST_SEND_S seconds after the last
                                     byte (the server is storing the upload then);
                                     PHASE=none: no kill (the calibration upload)
  consistent BEFORE AFTER ROWS_DB ROWS SURVEY STATUS
                                     judges one killed upload from the `evaluation` lines before
                                     and after, the rows counted in the database, the rows of
                                     the file, the calibration upload's aggregates and the status
                                     the client saw: all or nothing, and an unchanged evaluation
                                     when nothing was stored
  walresidue WAL                     bytes of frames after the last commit in a SQLite WAL file
  probe BASE PATH OUT SECONDS        one request every 0.1 s for SECONDS, each on a new
                                     connection (10 s timeout): a JSON line per answer to OUT
                                     (time, status, content type, latency)
"""

import http.client
import json
import os
import signal
import socket
import select
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest import Client, bench, die, load_state, log  # noqa: E402


def split(base):
    url = urllib.parse.urlsplit(base)
    return url.hostname, url.port


# ---------------------------------------------------------------------------------------------
# race: 100 PATCHes with one ETag
# ---------------------------------------------------------------------------------------------
def race(base, token, org_id, n):
    n = int(n)
    host, port = split(base)
    client = Client(base, token)
    path = f"/api/v1/organizations/{org_id}"
    client.conn or client.connect()
    client.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = client.conn.getresponse()
    before = json.loads(response.read())
    etag = response.getheader("ETag")
    response.status == 200 and etag or die(f"GET {path} answered {response.status} without an ETag")

    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        conn = http.client.HTTPConnection(host, port, timeout=60)
        try:
            # Connected and the request's bytes ready before the barrier: all leave together.
            conn.connect()
            body = json.dumps({"website": f"https://race-{os.getpid()}-{i}.example.ru"}).encode()
            raw = (f"PATCH {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {token}\r\n"
                   f"If-Match: {etag}\r\nContent-Type: application/merge-patch+json\r\n"
                   f"Accept: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
            barrier.wait()
            started = time.monotonic()
            conn.sock.sendall(raw)
            r = http.client.HTTPResponse(conn.sock, method="PATCH")
            r.begin()
            data = r.read()
            results[i] = (r.status, r.getheader("ETag"), r.getheader("Content-Type"),
                          time.monotonic() - started, data, started)
        except Exception as e:  # noqa: BLE001
            results[i] = (f"error:{type(e).__name__}", None, None, 0.0, str(e).encode(), 0.0)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    statuses = {}
    for status, *_ in results:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    winners = [i for i, r in enumerate(results) if r[0] == 200]
    problems = sum(1 for r in results if r[0] == 412 and (r[2] or "").startswith("application/problem+json"))
    slowest = max(r[3] for r in results)
    # Most requests in flight at once, from each one's send and answer times.
    events = sorted([(r[5], 1) for r in results] + [(r[5] + r[3], -1) for r in results])
    in_flight = peak = 0
    for _, step in events:
        in_flight += step
        peak = max(peak, in_flight)

    # Afterwards: one version more, the winner's website, one audit event for that write.
    client.conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
    response = client.conn.getresponse()
    after = json.loads(response.read())
    after_etag = response.getheader("ETag")
    winner_site = f"https://race-{os.getpid()}-{winners[0]}.example.ru" if len(winners) == 1 else None
    _, audit = client.request(
        "GET", f"/api/v1/audit-events?resource_type=organization&resource_id={org_id}"
               f"&action=organization.updated&limit=500")
    updates = sum(1 for e in audit["items"] if (e.get("after") or {}).get("website", "").startswith(
        f"https://race-{os.getpid()}-"))
    ok = (len(winners) == 1 and statuses.get("412", 0) == n - 1 and problems == n - 1
          and after.get("website") == winner_site and updates == 1
          and results[winners[0]][1] == after_etag and after_etag != etag)
    bench(requests=n, ok200=len(winners), p412=statuses.get("412", 0), problem_json_412=problems,
          other=n - len(winners) - statuses.get("412", 0),
          statuses=",".join(f"{k}:{v}" for k, v in sorted(statuses.items())),
          etag_before=etag, etag_after=after_etag, winner=(winners[0] if len(winners) == 1 else "-"),
          website_is_winners=str(after.get("website") == winner_site).lower(),
          audit_updates=updates, slowest_s=f"{slowest:.3f}", in_flight=peak, verdict="PASS" if ok else "FAIL")
    for i, r in enumerate(results):
        if r[0] not in (200, 412):
            log(f"request {i}: {r[0]} {r[4][:300].decode(errors='replace')}")
    return 0 if ok else 1


# ---------------------------------------------------------------------------------------------
# kill -9 during an upload
# ---------------------------------------------------------------------------------------------
def evaluation_state(base, state_path, org_index):
    state = load_state(state_path)
    org = state["organization_ids"][int(org_index)]
    host, port = split(base)
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.request("GET", f"/api/v1/cycles/{state['cycle_id']}/evaluations/{org}",
                 headers={"Authorization": f"Bearer {state['token']}", "Accept": "application/json"})
    r = conn.getresponse()
    data = r.read()
    if r.status != 200:
        die(f"GET evaluation of organization {org} answered {r.status}: {data[:300]!r}")
    e = json.loads(data)
    print(json.dumps({
        "organization": org, "etag": r.getheader("ETag"), "updated_at": e.get("updated_at"),
        "survey_responses": e.get("survey_responses"), "uploaded_survey": e.get("uploaded_survey"),
        "total": ((e.get("scores") or {}).get("total") or {}).get("value"), "complete": e.get("complete"),
    }, sort_keys=True))


def killupload(base, state_path, csv_path, org_index, pid, phase, at, post_send_s="0"):
    pid, at, post_send_s = int(pid), float(at), float(post_send_s)
    state = load_state(state_path)
    org = state["organization_ids"][int(org_index)]
    size = os.path.getsize(csv_path)
    host, port = split(base)
    conn = http.client.HTTPConnection(host, port, timeout=3600)
    conn.connect()
    conn.putrequest("POST", f"/api/v1/cycles/{state['cycle_id']}/evaluations/{org}/survey-responses")
    conn.putheader("Authorization", f"Bearer {state['token']}")
    conn.putheader("Content-Type", "text/csv")
    conn.putheader("Content-Length", str(size))
    conn.putheader("Accept", "application/json")
    started = time.monotonic()
    conn.endheaders()
    kill_after_bytes = int(at * size) if phase == "transfer" else None
    killed_at = None  # seconds after the first byte
    sent = 0
    outcome = None

    def kill():
        nonlocal killed_at
        os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic() - started

    try:
        with open(csv_path, "rb") as f:
            while True:
                block = f.read(256 * 1024)
                if not block:
                    break
                if kill_after_bytes is not None and sent + len(block) >= kill_after_bytes:
                    conn.send(block[:max(kill_after_bytes - sent, 0)])
                    sent = kill_after_bytes
                    kill()
                    break
                conn.send(block)
                sent += len(block)
    except OSError as e:
        outcome = f"send-error:{type(e).__name__}"
    send_s = time.monotonic() - started
    if phase == "transaction" and killed_at is None and outcome is None:
        # The server is spooling the last blocks and storing the upload; kill unless it answered.
        deadline = time.monotonic() + at * post_send_s
        readable = False
        while not readable and time.monotonic() < deadline:
            readable = bool(select.select([conn.sock], [], [], max(deadline - time.monotonic(), 0))[0])
        if readable:
            outcome = "answered-before-kill"
        else:
            kill()
    status, body = None, b""
    if outcome is None:
        try:
            r = conn.getresponse()
            status, body = r.status, r.read()
            outcome = f"answered-{status}"
        except (http.client.HTTPException, OSError) as e:
            outcome = "connection-lost" if killed_at is not None else f"error:{type(e).__name__}"
    elif outcome == "answered-before-kill":
        r = conn.getresponse()
        status, body = r.status, r.read()
        kill()  # the restart and the checks still follow
    finished = time.monotonic() - started
    conn.close()
    stored = None
    if status == 201:
        stored = json.loads(body).get("stored")
        survey = json.loads(body).get("survey")
        with open(state_path + f".survey-{org_index}", "w") as f:
            json.dump(survey, f, sort_keys=True)
    elif status is not None:
        log(f"upload answered {status}: {body[:300].decode(errors='replace')}")
    bench(organization=org, phase=phase, at=f"{at:.3f}", bytes=size, sent=sent,
          sent_pct=f"{100 * sent / size:.1f}", send_s=f"{send_s:.3f}",
          killed_at_s=(f"{killed_at:.3f}" if killed_at is not None else "-"),
          post_send_s=f"{max(finished - send_s, 0):.3f}", outcome=outcome,
          status=status if status is not None else "-", stored=stored if stored is not None else "-")


def consistent(before_path, after_path, rows_db, expected_rows, survey_path, status):
    """Prints `BENCH held=all|nothing|PARTIAL verdict=PASS|FAIL reason=...` for one upload."""
    with open(before_path) as f:
        before = json.load(f)
    with open(after_path) as f:
        after = json.load(f)
    rows_db, expected_rows = int(rows_db), int(expected_rows)
    reasons = []
    if rows_db == 0:
        held = "nothing"
        for key in ("etag", "updated_at", "total", "uploaded_survey", "survey_responses"):
            if before.get(key) != after.get(key):
                reasons.append(f"{key}_changed:{before.get(key)}->{after.get(key)}")
    elif rows_db == expected_rows:
        held = "all"
        with open(survey_path) as f:
            survey = json.load(f)
        if after.get("uploaded_survey") != survey:
            reasons.append("aggregates_differ_from_the_calibration_upload")
        if after.get("etag") == before.get("etag"):
            reasons.append("etag_unchanged")
        if not after.get("complete") or after.get("total") is None:
            reasons.append("no_scores")
    else:
        held = "PARTIAL"
        reasons.append(f"{rows_db}_of_{expected_rows}_rows")
    if after.get("survey_responses") != rows_db:
        reasons.append(f"api_counts_{after.get('survey_responses')}_database_{rows_db}")
    if status == "201" and rows_db != expected_rows:
        reasons.append("answered_201_but_not_stored")
    bench(held=held, verdict="FAIL" if reasons else "PASS", reason=",".join(reasons) or "-",
          total_before=before.get("total"), total_after=after.get("total"))


def walresidue(path):
    """Bytes of frames an unfinished transaction left in a SQLite WAL file: frames of the WAL's
    current generation (salts as in its header) after its last commit frame. Prints 0 when
    there is no WAL."""
    import struct
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        print(0)
        return
    if len(data) < 32:
        print(0)
        return
    page_size = struct.unpack(">I", data[8:12])[0] or 65536
    salts = data[16:24]
    frame = 24 + page_size
    uncommitted = 0
    offset = 32
    while offset + frame <= len(data):
        header = data[offset:offset + 24]
        if header[8:16] != salts:
            break  # a frame of an earlier generation: the current one ends here
        commit_size = struct.unpack(">I", header[4:8])[0]
        uncommitted = 0 if commit_size else uncommitted + frame
        offset += frame
    print(uncommitted)


# ---------------------------------------------------------------------------------------------
# probe: one request every 0.1 s, each on a new connection
# ---------------------------------------------------------------------------------------------
def probe(base, path, out, seconds):
    host, port = split(base)
    end = time.time() + float(seconds)
    with open(out, "w") as f:
        while time.time() < end:
            started = time.time()
            status, ctype = None, None
            try:
                conn = http.client.HTTPConnection(host, port, timeout=10)
                conn.request("GET", path, headers={"Accept": "application/json"})
                r = conn.getresponse()
                r.read()
                status, ctype = r.status, r.getheader("Content-Type")
                conn.close()
            except (http.client.HTTPException, OSError) as e:
                status = f"error:{type(e).__name__}"
            took = time.time() - started
            f.write(json.dumps({"t": started, "done": started + took, "status": status,
                                "content_type": ctype, "latency_s": round(took, 4)}) + "\n")
            f.flush()
            time.sleep(max(0.1 - took, 0))


def main(argv):
    if len(argv) < 2:
        die(__doc__)
    command, args = argv[1], argv[2:]
    if command == "race":
        sys.exit(race(*args[:4]))
    elif command == "evaluation":
        evaluation_state(*args[:3])
    elif command == "killupload":
        killupload(*args[:8])
    elif command == "consistent":
        consistent(*args[:6])
    elif command == "walresidue":
        walresidue(args[0])
    elif command == "probe":
        probe(*args[:4])
    else:
        die(f"unknown command {command}\n{__doc__}")


if __name__ == "__main__":
    socket.setdefaulttimeout(3600)
    main(sys.argv)
