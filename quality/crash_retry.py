"""Crash, then retry: an Idempotency-Key request cut off by kill -9 of the service at a random
moment, the service restarted on the same database, the claims aged past the 120 s after which
an unfinished one is given up, and the request retried with the same key. Whatever the moment
of the kill, the work must be done exactly once: one plan with the request's title.

Each kill is classified by what the database holds for the key after it: nothing (killed before
the claim), claimed (work not committed), done but unanswered (killed between the commit and
the stored answer: the case a retry must not redo) or answered. Python standard library only.

Usage: python3 crash_retry.py BIN WORKDIR   (CRASH_ITERATIONS, default 30; CRASH_SEED)
"""

import http.client
import json
import os
import random
import socket
import sqlite3
import statistics
import subprocess
import sys
import threading
import time

BIN, WORKDIR = sys.argv[1], sys.argv[2]
ITERATIONS = int(os.environ.get("CRASH_ITERATIONS", "30"))
RANDOM = random.Random(int(os.environ.get("CRASH_SEED", "20261202")))
PASSWORD = "quality-harness-demo-password"
DATABASE = os.path.join(WORKDIR, "nok.db")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PORT = free_port()
ENV = dict(
    os.environ,
    DATABASE_URL=DATABASE,
    NOK_DEMO_PASSWORD=PASSWORD,
    NOK_JWT_SECRET="crash-retry-secret-of-at-least-32-bytes-0123456789",
    NOK_LOG="warn",
    NOK_WEBHOOK_DELIVERY="false",
)


def start(demo):
    args = [BIN, "serve", "--bind", f"127.0.0.1:{PORT}"] + (["--demo"] if demo else [])
    log = open(os.path.join(WORKDIR, "server.log"), "ab")
    process = subprocess.Popen(args, env=ENV, stdout=log, stderr=log)
    for _ in range(600):
        try:
            status, _ = request("GET", "/ready")
            if status == 200:
                return process
        except OSError:
            pass
        if process.poll() is not None:
            sys.exit(f"crash_retry: the server exited ({process.returncode}); see {WORKDIR}/server.log")
        time.sleep(0.05)
    sys.exit("crash_retry: the server did not get ready in 30 s")


def request(method, path, body=None, headers=None, timeout=10):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=timeout)
    try:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json"} if data else {}
        all_headers.update(headers or {})
        connection.request(method, path, body=data, headers=all_headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def held(key):
    """What the database holds for the key: none, claimed, done-unanswered or answered."""
    with sqlite3.connect(DATABASE, timeout=30) as db:
        row = db.execute(
            "SELECT status, work_done_at FROM idempotency_keys WHERE key = ?", (key,)
        ).fetchone()
    if row is None:
        return "none"
    if row[0] != 0:
        return "answered"
    return "done-unanswered" if row[1] is not None else "claimed"


def plans_titled(title):
    with sqlite3.connect(DATABASE, timeout=30) as db:
        return db.execute("SELECT count(*) FROM plans WHERE title = ?", (title,)).fetchone()[0]


def age_claims():
    """The passage of ten minutes, for the claims: an unfinished claim is given up after 120 s."""
    with sqlite3.connect(DATABASE, timeout=30) as db:
        db.execute(
            "UPDATE idempotency_keys SET created_at = datetime(created_at, '-600 seconds') "
            "WHERE status = 0"
        )


def main():
    server = start(demo=True)
    status, body = request(
        "POST", "/api/v1/auth/token", {"username": "admin", "password": PASSWORD}
    )
    assert status == 200, (status, body)
    auth = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
    status, body = request("GET", "/api/v1/regions", headers=auth)
    region = json.loads(body)["items"][0]["id"]

    def plan(title):
        return {"region_id": region, "year": 2019, "title": title}

    # How long a plan creation takes here, to spread the kills over it.
    took = []
    for n in range(15):
        t0 = time.perf_counter()
        status, _ = request(
            "POST", "/api/v1/plans", plan(f"calibration {n}"),
            {**auth, "Idempotency-Key": f"calibration-{n}"},
        )
        took.append(time.perf_counter() - t0)
        assert status == 201, status
    median = statistics.median(took)

    outcomes = {}
    failures = []
    retried = {}
    for n in range(ITERATIONS):
        key, title = f"crash-{n}", f"План после сбоя № {n}"
        headers = {**auth, "Idempotency-Key": key}
        first = {}

        def send():
            try:
                first["status"] = request("POST", "/api/v1/plans", plan(title), headers)[0]
            except OSError as e:
                first["error"] = type(e).__name__

        sender = threading.Thread(target=send)
        sender.start()
        time.sleep(RANDOM.uniform(0, 1.5 * median))
        server.kill()
        server.wait()
        sender.join()
        state = held(key)
        outcomes[state] = outcomes.get(state, 0) + 1
        age_claims()
        server = start(demo=False)
        status, _ = request("POST", "/api/v1/plans", plan(title), headers)
        retried[(state, status)] = retried.get((state, status), 0) + 1
        count = plans_titled(title)
        if count != 1:
            failures.append(f"{key}: killed with the key {state}, retry {status}, {count} plans")
        if first.get("status") == 201 and count != 1:
            failures.append(f"{key}: a 201 was seen but {count} plans are stored")
    server.terminate()
    server.wait()

    print(f"crash_retry: plan creation takes {median * 1000:.1f} ms (median of 15); "
          f"{ITERATIONS} kills at random moments in 0–{1.5 * median * 1000:.1f} ms")
    for state in ("none", "claimed", "done-unanswered", "answered"):
        print(f"crash_retry: killed with the key {state:<16} {outcomes.get(state, 0):3}")
    for (state, status), count in sorted(retried.items()):
        print(f"crash_retry: key {state:<16} → retry answered {status}: {count}")
    if failures:
        print("crash_retry: FAIL")
        for failure in failures:
            print("  " + failure)
        sys.exit(1)
    print(f"crash_retry: PASS — each of {ITERATIONS} requests done exactly once")


main()
