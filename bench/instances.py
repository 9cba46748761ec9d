#!/usr/bin/env python3
"""Probes of two nok-api instances on one PostgreSQL database (bench/instances.sh).

Python standard library only. Every check prints one line `CHECK <PASS|FAIL> <name>: <detail>`.

  instances.py receiver LOG PORTFILE
      A webhook receiver: answers every POST with 200 at once and appends one JSON line per
      request to LOG (arrival time, X-Nok-Delivery, X-Nok-Event, the event's id). Writes its
      port to PORTFILE and runs until killed.
  instances.py replay A B TOKEN CYCLE
      An Idempotency-Key used on A replays on B: the same POST of a council proposal to both.
  instances.py publication A B TOKEN CYCLE FRESH_SECS
      A publication on A (reopen, submit results, approve, publish the cycle) is seen by
      anonymous readers of B within FRESH_SECS: B is polled every 50 ms from before the publish.
  instances.py feed A B TOKEN
      The change feed paged to the end from A and from B: the same changes in the same order.
  instances.py deliveries LOG OUTBOX
      Each delivery of the outbox (OUTBOX: psql's `id|event_id|status` lines) was received
      exactly once, and no event twice.
"""

import datetime
import http.client
import http.server
import json
import sys
import threading
import time
import urllib.parse
import uuid


def check(ok, name, detail):
    print(f"CHECK {'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)
    return ok


def request(base, method, path, token=None, body=None, headers=None):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    sent = dict(headers or {})
    if token:
        sent["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, raw
    finally:
        conn.close()


def receiver(log, portfile):
    out = open(log, "a", buffering=1)
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            try:
                event = json.loads(body).get("id")
            except ValueError:
                event = None
            line = json.dumps({"t": time.time(), "delivery": self.headers.get("X-Nok-Delivery"),
                               "type": self.headers.get("X-Nok-Event"), "event": event})
            with lock:
                out.write(line + "\n")
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(portfile, "w") as f:
        f.write(str(server.server_address[1]))
    server.serve_forever()


def replay(a, b, token, cycle):
    key = f"bench-instances-{uuid.uuid4()}"
    body = {"criterion": "K1", "text": f"Предложение с ключом {key}"}
    path = f"/api/v1/cycles/{cycle}/proposals"
    headers = {"Idempotency-Key": key}
    first = request(a, "POST", path, token, body, headers)
    second = request(b, "POST", path, token, body, headers)
    status, listed, raw = request(a, "GET", f"{path}?limit=200", token)
    stored = -1
    if status == 200:
        # Newest may be on any page: count by text over the pages.
        stored, cursor = 0, None
        while True:
            page = json.loads(raw)
            stored += sum(1 for p in page.get("items", []) if p.get("text") == body["text"])
            cursor = page.get("next_cursor")
            if not cursor:
                break
            status, listed, raw = request(a, "GET", f"{path}?limit=200&cursor={urllib.parse.quote(cursor)}", token)
            if status != 200:
                stored = -1
                break
    replayed = second[1].get("idempotent-replayed")
    ok = (first[0] == 201 and second[0] == first[0] and second[2] == first[2]
          and replayed == "true" and stored == 1)
    check(ok, "an Idempotency-Key used on A replays on B",
          f"POST {path} with Idempotency-Key: A answered {first[0]} ({len(first[2])} bytes), B {second[0]} "
          f"({len(second[2])} bytes), same body: {second[2] == first[2]}, B's Idempotent-Replayed: {replayed}; "
          f"proposals stored with that text: {stored}")


def publication(a, b, token, cycle, fresh):
    fresh = float(fresh)
    path = f"/api/v1/cycles/{cycle}/ratings"

    def approval_number(base):
        status, _, raw = request(base, "GET", path)
        if status != 200:
            return f"status {status}"
        return json.loads(raw)["basis"]["approval_number"]

    before = approval_number(b)
    polls, stop = [], threading.Event()

    def poll():
        while not stop.is_set():
            sent = time.time()
            seen = approval_number(b)
            polls.append((sent, time.time(), seen))
            time.sleep(max(0.0, 0.05 - (time.time() - sent)))

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(1.5)  # B has read the published approval meanwhile: its answer is kept
    steps = []

    def step(method, suffix, body=None):
        status, headers, _ = request(a, "GET", f"/api/v1/cycles/{cycle}", token)
        etag = headers.get("etag")
        status, _, raw = request(a, method, f"/api/v1/cycles/{cycle}/{suffix}", token, body if body is not None else {},
                                 {"If-Match": etag})
        steps.append(f"{suffix} {status}")
        if status not in (200, 201):
            raise RuntimeError(f"POST {suffix} answered {status}: {raw[:300]!r}")

    error = None
    try:
        step("POST", "reopen")
        step("POST", "submit-results")
        step("POST", "ratings/approve", {"number": "17-bench", "date": datetime.date.today().isoformat()})
        step("POST", "publish")
    except RuntimeError as e:
        error = str(e)
    published_at = time.time()
    on_a = approval_number(a)
    time.sleep(fresh + 1.0)
    stop.set()
    poller.join()
    if error:
        check(False, "a publication on A reaches anonymous readers of B", f"{', '.join(steps)}: {error}")
        return
    after = [p for p in polls if p[0] >= published_at]
    first_new = next((p for p in after if p[2] != before), None)
    stale_late = [p for p in after if p[2] == before and p[0] > published_at + fresh]
    delay = first_new[1] - published_at if first_new else None
    old_polls = sum(1 for p in after if p[2] == before)
    ok = first_new is not None and not stale_late and on_a != before
    check(ok, "a publication on A reaches anonymous readers of B within the documented time",
          f"approval {before} -> A at once: {on_a}; B polled every 50 ms ({len(after)} polls after the publish "
          f"answer): old approval in {old_polls}, the new one {'after %.3f s' % delay if delay is not None else 'never'} "
          f"(documented: within {fresh:g} s, NOK_FRESHNESS_MS and a query); old answers sent later than that: {len(stale_late)}")


def feed(base, token):
    items, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/changes?limit=200" + (f"&since={urllib.parse.quote(cursor)}" if cursor else "")
        status, _, raw = request(base, "GET", path, token)
        if status != 200:
            return None, pages, status
        page = json.loads(raw)
        pages += 1
        items.extend(page["items"])
        if not page["items"]:
            return items, pages, status
        cursor = page["next_cursor"]


def feeds(a, b, token):
    for who, t in (("admin", token), ("anonymous", None)):
        from_a, pages_a, status_a = feed(a, t)
        from_b, pages_b, status_b = feed(b, t)
        same = from_a is not None and from_a == from_b
        check(same and len(from_a) > 0, f"the change feed ({who}) read from A and from B is identical in order",
              f"{len(from_a or [])} changes from A in {pages_a} pages (last {status_a}), "
              f"{len(from_b or [])} from B in {pages_b} (last {status_b}); identical: {same}")


def deliveries(log, outbox):
    received = [json.loads(line) for line in open(log) if line.strip()]
    rows = [line.split("|") for line in open(outbox) if line.strip()]
    by_delivery, by_event = {}, {}
    for r in received:
        by_delivery[r["delivery"]] = by_delivery.get(r["delivery"], 0) + 1
        by_event[r["event"]] = by_event.get(r["event"], 0) + 1
    statuses = {}
    for _, _, status in rows:
        statuses[status.strip()] = statuses.get(status.strip(), 0) + 1
    ids = {row[0] for row in rows}
    missing = [i for i in ids if i not in by_delivery]
    twice = {i: n for i, n in by_delivery.items() if n > 1}
    events_twice = {i: n for i, n in by_event.items() if n > 1}
    unknown = [i for i in by_delivery if i not in ids]
    check(statuses == {"delivered": len(rows)} and len(rows) > 0, "every webhook delivery delivered",
          f"outbox: {len(rows)} deliveries, by status {statuses}")
    check(not missing and not twice and not unknown and not events_twice,
          "each webhook delivery received exactly once",
          f"{len(received)} requests received for {len(ids)} deliveries: {len(missing)} never received, "
          f"{len(twice)} received more than once, {len(unknown)} not in the outbox, "
          f"{len(events_twice)} events delivered twice")


def main():
    command, args = sys.argv[1], sys.argv[2:]
    {"receiver": receiver, "replay": replay, "publication": publication, "feed": feeds,
     "deliveries": deliveries}[command](*args)


if __name__ == "__main__":
    main()
