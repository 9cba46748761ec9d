#!/usr/bin/env python3
"""Webhook deliveries with two instances on one PostgreSQL database (quality/deliveries.sh).

Usage: deliveries_probe.py BIN DATABASE_URL. Python standard library only; psql reads the outbox.

Instance A (`serve --demo`) and instance B share the database. A fast receiver (answers 200 at
once) and a slow one (answers after 2 s, every 5th request with 503, so that retries come later
than newer changes) subscribe to organization changes of a few organizations; changes are made
through both instances, then A gets SIGTERM and soon after SIGKILL while its slow deliveries are
in flight (A, first up, holds most of them), and the changes go on through B. At the end every delivery must be in, and the numbers
are printed: the fast receiver's delay from change to receipt, duplicates (deliveries
acknowledged more than once) against the deliveries in flight at the kill, and the order key of
every delivery.
"""

import datetime
import http.server
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

BIN, DATABASE_URL = sys.argv[1], sys.argv[2]
POLL_SECS = 1.0
SLOW_SECS = 2.0
CHANGES = 60
CHANGE_EVERY = 0.3
ORGANIZATIONS = 6  # each changed every ~2 s: a retried delivery is overtaken by a newer change
SLOW_FAILS_EVERY = 5
TERM_AT, KILL_AT = 30, 32  # change numbers: SIGTERM to A, then SIGKILL 2 changes (~0.7 s) later
JWT_SECRET = "quality-harness-deliveries-jwt-secret-0123456789"
PASSWORD = "quality-harness-demo-password"
TMP = tempfile.mkdtemp(prefix="nok-deliveries.")
failures = []
processes = []


def check(ok, what):
    print(("PASS " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


class Receiver:
    """Records each request when it arrives, answers after `delay` seconds: 200, or 503 to every
    `fails_every`-th request."""

    def __init__(self, name, delay, fails_every=0):
        self.name, self.delay, self.got, self.lock = name, delay, [], threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                arrived = time.time()
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with receiver.lock:
                    fail = fails_every and (len(receiver.got) + 1) % fails_every == 0
                    receiver.got.append(
                        {
                            "t": arrived,
                            "delivery": int(self.headers["X-Nok-Delivery"]),
                            "position": self.headers.get("X-Nok-Feed-Position"),
                            "event": json.loads(body),
                            "acknowledged": not fail,
                        }
                    )
                time.sleep(receiver.delay)
                try:
                    self.send_response(503 if fail else 200)
                    self.send_header("content-length", "0")
                    self.send_header("connection", "close")
                    self.end_headers()
                except OSError:
                    pass  # the sender is gone (killed)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{name}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def receipts(self):
        """What it acknowledged (2xx), in the order it came in."""
        with self.lock:
            return [r for r in self.got if r["acknowledged"]]


def start(name, demo):
    env = dict(
        os.environ,
        DATABASE_URL=DATABASE_URL,
        NOK_JWT_SECRET=JWT_SECRET,
        NOK_DEMO_PASSWORD=PASSWORD,
        NOK_LOG="warn",
        NOK_WEBHOOK_INTERNAL_TARGETS="true",
        NOK_WEBHOOK_POLL_MS=str(int(POLL_SECS * 1000)),
        NOK_WEBHOOK_TIMEOUT_SECS="3",
        NOK_WEBHOOK_RETRY_BASE_MS="2000",  # a lease of 9 s: what a killed instance held comes back then
        NOK_SHUTDOWN_TIMEOUT_SECS="10",
    )
    args = [BIN, "serve", "--bind", "127.0.0.1:0"] + (["--demo"] if demo else [])
    err = open(os.path.join(TMP, f"{name}.err"), "w")
    process = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=err, text=True)
    processes.append(process)
    port = None
    for line in process.stdout:
        if line.startswith("nok-api listening on http://"):
            port = int(line.split("http://", 1)[1].split()[0].rsplit(":", 1)[1])
            break
    if port is None:
        sys.exit(f"instance {name} did not start: {open(err.name).read()[-2000:]}")
    threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if urllib.request.urlopen(base + "/ready", timeout=2).status == 200:
                break
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    print(f"instance {name}: pid {process.pid}, {base}", flush=True)
    return process, base


def call(base, method, path, token, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read()
            return response.status, response.headers, json.loads(text) if text else None
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode(errors="replace")


def psql(sql):
    out = subprocess.run(
        ["psql", DATABASE_URL, "-Atqc", sql], check=True, capture_output=True, text=True
    ).stdout
    return [line.split("|") for line in out.splitlines() if line]


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main():
    started = time.time()
    fast, slow = Receiver("fast", 0), Receiver("slow", SLOW_SECS, SLOW_FAILS_EVERY)
    a, base_a = start("A", demo=True)
    b, base_b = start("B", demo=False)
    request = urllib.request.Request(
        base_a + "/api/v1/auth/token",
        data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    token = json.load(urllib.request.urlopen(request))["access_token"]
    subscriptions = {}
    for receiver in (fast, slow):
        status, _, made = call(
            base_a,
            "POST",
            "/api/v1/webhooks",
            token,
            {"url": receiver.url, "event_types": ["organization.*"]},
        )
        assert status == 201, made
        subscriptions[made["id"]] = receiver
    _, _, page = call(base_a, "GET", f"/api/v1/organizations?limit={ORGANIZATIONS}", token)
    organizations = [o["id"] for o in page["items"]]
    print(f"{len(organizations)} organizations, {CHANGES} changes every {CHANGE_EVERY} s "
          f"through A and B; A: SIGTERM at change {TERM_AT}, SIGKILL at change {KILL_AT}", flush=True)

    in_flight_at_kill = set()
    for n in range(CHANGES):
        base = base_a if n % 2 and n < TERM_AT else base_b
        organization = organizations[n % len(organizations)]
        path = f"/api/v1/organizations/{organization}"
        status, headers, _ = call(base, "GET", path, token)
        status, _, answer = call(
            base, "PATCH", path, token, {"short_name": f"Организация {organization}, правка {n}"},
            {"If-Match": headers["ETag"]},
        )
        assert status == 200, (status, answer)
        if n == TERM_AT:
            a.send_signal(signal.SIGTERM)
        if n == KILL_AT:
            a.send_signal(signal.SIGKILL)
            a.wait()
            # What was claimed and not settled when A died (B's in flight at that moment too).
            in_flight_at_kill = {
                int(r[0])
                for r in psql(
                    "SELECT id FROM webhook_outbox WHERE status = 'pending' "
                    "AND leased_until IS NOT NULL"
                )
            }
        time.sleep(CHANGE_EVERY)

    deadline = time.time() + 90
    while time.time() < deadline:
        if psql("SELECT count(*) FROM webhook_outbox WHERE status = 'pending'")[0][0] == "0":
            break
        time.sleep(0.5)
    time.sleep(0.5)
    final = {}
    for organization in set(organizations):
        _, _, shown = call(base_b, "GET", f"/api/v1/organizations/{organization}", token)
        final[str(organization)] = shown
    b.send_signal(signal.SIGTERM)
    b.wait(timeout=30)

    outbox = psql("SELECT id, subscription_id, status FROM webhook_outbox ORDER BY id")
    statuses = {}
    for _, _, status in outbox:
        statuses[status] = statuses.get(status, 0) + 1
    print(f"outbox: {len(outbox)} deliveries, {statuses}; run took {time.time() - started:.1f} s")
    check(statuses == {"delivered": len(outbox)}, f"every delivery delivered: {statuses}")

    lost, duplicates, duplicate_ids = 0, 0, set()
    for receiver in (fast, slow):
        counts = {}
        for r in receiver.receipts():
            counts[r["delivery"]] = counts.get(r["delivery"], 0) + 1
        expected = {int(i) for i, s, _ in outbox if subscriptions[int(s)] is receiver}
        missing = expected - set(counts)
        lost += len(missing)
        extra = {i: c - 1 for i, c in counts.items() if c > 1}
        duplicates += sum(extra.values())
        duplicate_ids |= set(extra)
        print(f"{receiver.name} receiver: {len(receiver.receipts())} acknowledged receipts of "
              f"{len(expected)} deliveries ({len(receiver.got)} requests), {len(missing)} missing, "
              f"{sum(extra.values())} duplicates")
    check(lost == 0, f"no delivery lost: {lost} missing")
    check(
        duplicates <= len(in_flight_at_kill) and duplicate_ids <= in_flight_at_kill,
        f"duplicates {duplicates} <= deliveries in flight at the kill {len(in_flight_at_kill)} "
        f"(and each duplicate was one of them)",
    )

    def delays(receiver):
        first = {}
        for r in receiver.receipts():
            first.setdefault(r["delivery"], r)
        return [
            r["t"] - datetime.datetime.fromisoformat(r["event"]["occurred_at"]).timestamp()
            for i, r in first.items()
            if i not in in_flight_at_kill
        ]

    for receiver in (fast, slow):
        d = delays(receiver)
        print(f"{receiver.name} receiver: delay from change to receipt over {len(d)} deliveries "
              f"(those in flight at the kill left out): p50 {percentile(d, 50):.3f} s, "
              f"p99 {percentile(d, 99):.3f} s, max {max(d):.3f} s")
    p99 = percentile(delays(fast), 99)
    check(p99 < POLL_SECS + 1, f"fast receiver p99 {p99:.3f} s < poll interval + 1 s = {POLL_SECS + 1:.1f} s")

    keys_agree, late, newest_ok, resources = True, 0, 0, 0
    receipts = fast.receipts() + slow.receipts()
    for r in receipts:
        keys_agree &= r["position"] == str(r["event"]["id"])
    for receiver in (fast, slow):
        seen, newest = {}, {}
        for r in receiver.receipts():
            resource, position = r["event"]["resource_id"], r["event"]["id"]
            if position < seen.get(resource, 0):
                late += 1
            seen[resource] = max(seen.get(resource, 0), position)
            if position >= newest.get(resource, (0, None))[0]:
                newest[resource] = (position, r["event"]["resource"])
        for resource, (_, shown) in newest.items():
            resources += 1
            newest_ok += shown == final[resource]
    check(keys_agree, f"X-Nok-Feed-Position equals the body's id in all {len(receipts)} receipts")
    print(f"{late} of {len(receipts)} acknowledged receipts arrived after a newer change of the same resource")
    check(
        newest_ok == resources,
        f"ordered by X-Nok-Feed-Position, {newest_ok} of {resources} (receiver, resource) pairs "
        f"end with the resource's current state",
    )
    if failures:
        for name in ("A", "B"):
            print(f"--- instance {name} log (last lines)")
            print(open(os.path.join(TMP, f"{name}.err")).read()[-3000:])
    return 1 if failures else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
