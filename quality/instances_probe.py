"""Two instances of nok-api on one PostgreSQL database, probed through both (quality/instances.sh).

Usage: instances_probe.py BASE_A BASE_B PASSWORD ROUNDS RACERS LOGIN_LIMIT

Python standard library only. Prints one line per check with its numbers, "RESULT PASS" or
"RESULT FAIL" last; exits 1 on a failure.
"""

import http.client
import json
import sys
import threading
import urllib.parse

failures = []


def check(name, ok, detail):
    print(f"{'PASS' if ok else 'FAIL'}  {name}: {detail}", flush=True)
    if not ok:
        failures.append(name)


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
    conn.request(method, path, body=data, headers=sent)
    response = conn.getresponse()
    raw = response.read()
    conn.close()
    return response.status, dict(response.getheaders()), raw


def login(base, username, password):
    return request(base, "POST", "/api/v1/auth/token", body={"username": username, "password": password})


def tokens_cross(a, b, password):
    status, _, raw = login(a, "admin", password)
    token = json.loads(raw)["access_token"] if status == 200 else None
    on_b = request(b, "GET", "/api/v1/auth/me", token)[0] if token else None
    status_b, _, raw_b = login(b, "auditor", password)
    token_b = json.loads(raw_b)["access_token"] if status_b == 200 else None
    on_a = request(a, "GET", "/api/v1/auth/me", token_b)[0] if token_b else None
    check("a token from one instance works on the other", (on_b, on_a) == (200, 200),
          f"admin's token of A on B: {on_b}; auditor's token of B on A: {on_a}")
    return token


def etag_races(a, b, token, rounds, racers):
    """Each round: `racers` PATCHes with one If-Match, alternately to A and B, leaving together."""
    status, _, raw = request(a, "GET", "/api/v1/organizations?limit=1", token)
    org = json.loads(raw)["items"][0]["id"]
    path = f"/api/v1/organizations/{org}"
    one_winner = 0
    totals = {}
    for round_ in range(rounds):
        _, headers, _ = request(b if round_ % 2 else a, "GET", path, token)
        etag = headers.get("ETag") or headers.get("etag")
        barrier = threading.Barrier(racers)
        results = [None] * racers

        def racer(i):
            base = (a, b)[i % 2]
            url = urllib.parse.urlsplit(base)
            conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
            body = json.dumps({"website": f"https://race-{round_}-{i}.example.ru"}).encode()
            try:
                conn.connect()
                barrier.wait()
                conn.request("PATCH", path, body=body, headers={
                    "Authorization": f"Bearer {token}", "If-Match": etag,
                    "Content-Type": "application/merge-patch+json"})
                results[i] = conn.getresponse().status
            except Exception as e:  # noqa: BLE001
                results[i] = f"error:{type(e).__name__}"
            finally:
                conn.close()

        threads = [threading.Thread(target=racer, args=(i,)) for i in range(racers)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for status in results:
            totals[status] = totals.get(status, 0) + 1
        if results.count(200) == 1 and results.count(412) == racers - 1:
            one_winner += 1
    check("a same-ETag PATCH race across both has one winner", one_winner == rounds,
          f"{one_winner}/{rounds} rounds with exactly one 200 among {racers} PATCHes (half to each "
          f"instance); answers over all rounds: {dict(sorted(totals.items(), key=str))}")


def feed(base, token):
    items, cursor, pages = [], None, 0
    while True:
        path = "/api/v1/changes?limit=200" + (f"&since={urllib.parse.quote(cursor)}" if cursor else "")
        status, _, raw = request(base, "GET", path, token)
        if status != 200:
            return None, pages
        page = json.loads(raw)
        pages += 1
        items.extend(page["items"])
        if not page["items"]:
            return items, pages
        cursor = page["next_cursor"]


def feeds_agree(a, b, token):
    from_a, pages_a = feed(a, token)
    from_b, pages_b = feed(b, token)
    same = from_a is not None and from_a == from_b
    count = len(from_a or [])
    check("the change feed read from both is identical", same and count > 0,
          f"{count} changes from A in {pages_a} pages, {len(from_b or [])} from B in {pages_b}; "
          f"identical: {same}")


def login_limit(a, b, password, limit):
    """limit + 2 wrong passwords for one username, alternately to A and B."""
    statuses = [login((a, b)[i % 2], "council", password + "-wrong")[0] for i in range(limit + 2)]
    first_429 = statuses.index(429) + 1 if 429 in statuses else None
    expected = [401] * limit + [429, 429]
    check("login limits count across both instances", statuses == expected,
          f"{len(statuses)} wrong passwords for one username, alternating A/B: "
          f"{statuses.count(401)} × 401 then {statuses.count(429)} × 429 (first 429 at attempt "
          f"{first_429}; NOK_LOGIN_LIMIT_PER_USERNAME={limit})")


def login_limit_at_once(a, b, password, limit):
    """2 × limit wrong passwords for one username sent at the same moment, half to each: the
    database's count is atomic, so exactly `limit` are let through to the password check."""
    n = 2 * limit
    barrier = threading.Barrier(n)
    statuses = [None] * n

    def attempt(i):
        barrier.wait()
        try:
            statuses[i] = login((a, b)[i % 2], "operator", password + "-wrong")[0]
        except Exception as e:  # noqa: BLE001
            statuses[i] = f"error:{type(e).__name__}"

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check("login limits hold under simultaneous attempts on both",
          statuses.count(401) == limit and statuses.count(429) == n - limit,
          f"{n} wrong passwords for one username at once, {n // 2} to each instance: "
          f"{statuses.count(401)} × 401, {statuses.count(429)} × 429, "
          f"{n - statuses.count(401) - statuses.count(429)} other (limit {limit})")


def main():
    a, b, password, rounds, racers, limit = sys.argv[1:7]
    token = tokens_cross(a, b, password)
    if token:
        etag_races(a, b, token, int(rounds), int(racers))
        feeds_agree(a, b, token)
    login_limit(a, b, password, int(limit))
    login_limit_at_once(a, b, password, int(limit))
    print("RESULT", "PASS" if not failures else f"FAIL ({', '.join(failures)})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
