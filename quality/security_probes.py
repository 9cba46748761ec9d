"""OWASP API Security Top 10 probes against a demo server (quality/security.sh starts it).

Python 3 standard library only. Each probe prints one PASS/FAIL line (failing checks indented
below it); a summary follows; the exit status is 1 when any probe failed, 2 when the setup (the
data the probes need, made through the API) could not be built.

Environment (set by quality/security.sh):
  NOK_BASE            http://127.0.0.1:PORT of the server
  NOK_DEMO_PASSWORD   the password of every demo user
  NOK_JWT_SECRET      the server's HS256 secret: to forge tokens that are validly signed but
                      expired, not yet valid, of another issuer or audience, or of another alg
  NOK_UPLOAD_LIMIT    the server's NOK_UPLOAD_LIMIT (survey uploads)
  NOK_CORS_ORIGIN     the one origin in the server's NOK_CORS_ORIGINS
  NOK_SERVER_PID      the server's process id (its peak memory is read from /proc)
The JSON body limit (1 MiB), the login limits (30 per address, 10 per username a minute) and the
plan import limit (10 MiB) are the documented defaults; the server runs with them.
"""

import base64
import hashlib
import hmac
import http.client
import io
import json
import os
import re
import select
import socket
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
import zipfile

BASE = os.environ.get("NOK_BASE", "http://127.0.0.1:8080")
_url = urllib.parse.urlsplit(BASE)
HOST, PORT = _url.hostname, _url.port or 80
DEMO_PASSWORD = os.environ.get("NOK_DEMO_PASSWORD", "quality-harness-demo-password")
JWT_SECRET = os.environ.get("NOK_JWT_SECRET", "")
UPLOAD_LIMIT = int(os.environ.get("NOK_UPLOAD_LIMIT", str(256 * 1024 * 1024)))
CORS_ORIGIN = os.environ.get("NOK_CORS_ORIGIN", "")
SERVER_PID = os.environ.get("NOK_SERVER_PID", "")
BODY_LIMIT = 1024 * 1024
IMPORT_LIMIT = 10 * 1024 * 1024
LOGIN_LIMIT_PER_ADDRESS = 30
LOGIN_LIMIT_PER_USERNAME = 10
ISSUER = AUDIENCE = "nok-api"
API = "/api/v1"
MERGE = "application/merge-patch+json"

# Every answer of the run, for the checks over all of them (problem+json, no 5xx, no leaks).
LOG = []
LOG_LOCK = threading.Lock()
# Secrets that must never come back in any answer; values of their one legitimate answer aside.
SECRETS = {}
SECRET_SHOWN_ONCE = set()


class Response:
    def __init__(self, method, path, status, headers, body, error=None, elapsed=0.0):
        self.method, self.path, self.status = method, path, status
        self.headers = headers  # list of (name, value)
        self.body = body
        self.error = error
        self.elapsed = elapsed

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def content_type(self):
        return (self.header("Content-Type") or "").split(";")[0].strip().lower()

    def json(self):
        try:
            return json.loads(self.body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            return None

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")

    def fields(self):
        """Fields named in a problem's `errors`."""
        body = self.json()
        if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
            return []
        return [e.get("field") for e in body["errors"] if isinstance(e, dict)]

    def __repr__(self):
        shown = self.text[:300].replace("\n", " ")
        return f"{self.method} {self.path} -> {self.status} {shown}"


def record(response):
    with LOG_LOCK:
        LOG.append(response)
    return response


def request(method, path, token=None, json_body=None, body=None, content_type=None,
            headers=None, source=None, timeout=60):
    """One request on its own connection. `source` is the client address (127.0.0.x)."""
    all_headers = {}
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    if json_body is not None:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        content_type = content_type or "application/json"
    if content_type:
        all_headers["Content-Type"] = content_type
    if body is not None and isinstance(body, str):
        body = body.encode("utf-8")
    if method in ("POST", "PUT", "PATCH") and body is None:
        all_headers["Content-Length"] = "0"
    all_headers.update(headers or {})
    started = time.monotonic()
    conn = http.client.HTTPConnection(
        HOST, PORT, timeout=timeout, source_address=(source, 0) if source else None)
    try:
        conn.request(method, path, body=body, headers=all_headers)
        resp = conn.getresponse()
        data = resp.read()
        result = Response(method, path, resp.status, resp.getheaders(), data,
                          elapsed=time.monotonic() - started)
    except (OSError, http.client.HTTPException) as e:
        result = Response(method, path, 0, [], b"", error=f"{type(e).__name__}: {e}",
                          elapsed=time.monotonic() - started)
    finally:
        conn.close()
    return record(result)


def raw_request(method, path, head_lines, chunks, timeout=30):
    """Sends a request from raw header lines and body chunks on a socket, stops sending as soon
    as the server answers (an early 413), and reads the answer."""
    sock = socket.create_connection((HOST, PORT), timeout=timeout)
    started = time.monotonic()
    try:
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{PORT}\r\n"
        head += "".join(f"{line}\r\n" for line in head_lines) + "Connection: close\r\n\r\n"
        sock.sendall(head.encode("latin-1"))
        answered = False
        for chunk in chunks:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                answered = True
                break
            try:
                sock.sendall(chunk)
            except OSError:
                answered = True
                break
        if not answered:
            select.select([sock], [], [], timeout)
        resp = http.client.HTTPResponse(sock, method=method)
        try:
            resp.begin()
            try:
                data = resp.read()
            except (OSError, http.client.HTTPException):
                data = b""
            result = Response(method, path, resp.status, resp.getheaders(), data,
                              elapsed=time.monotonic() - started)
        except (OSError, http.client.HTTPException) as e:
            result = Response(method, path, 0, [], b"", error=f"{type(e).__name__}: {e}",
                              elapsed=time.monotonic() - started)
    finally:
        sock.close()
    return record(result)


def chunked(data, size=64 * 1024):
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


def pieces(data, size=64 * 1024):
    for i in range(0, len(data), size):
        yield data[i:i + size]


# --- tokens --------------------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def forge(claims, alg="HS256", key=None, header_extra=None):
    header = {"alg": alg, "typ": "JWT"}
    header.update(header_extra or {})
    signing_input = (b64url(json.dumps(header).encode()) + "." +
                     b64url(json.dumps(claims).encode()))
    if alg == "none" or alg.lower() == "none":
        return signing_input + "."
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512,
              "RS256": hashlib.sha256, "ES256": hashlib.sha256}[alg]
    key = (JWT_SECRET if key is None else key).encode()
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return signing_input + "." + b64url(signature)


def claims_for(user_id, name, role, **overrides):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": str(user_id), "exp": now + 600,
              "iat": now, "nbf": now, "name": name, "role": role}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def login(username, password, source=None, extra=None):
    body = {"username": username, "password": password}
    body.update(extra or {})
    return request("POST", f"{API}/auth/token", json_body=body, source=source)


def token_of(username, password):
    r = login(username, password)
    if r.status != 200:
        raise SetupError(f"cannot log in as {username}: {r}")
    return r.json()["access_token"]


# --- probes --------------------------------------------------------------------------------

class SetupError(Exception):
    pass


class Probe:
    def __init__(self, name, title):
        self.name, self.title = name, title
        self.checks, self.failures = 0, []

    def check(self, condition, message):
        self.checks += 1
        if not condition:
            self.failures.append(message)
        return bool(condition)

    def status(self, response, allowed, label):
        allowed = {allowed} if isinstance(allowed, int) else set(allowed)
        return self.check(response.status in allowed,
                          f"{label}: expected {sorted(allowed)}, got {response!r}")

    def problem(self, response, allowed, label, field=None):
        ok = self.status(response, allowed, label)
        if ok and response.status >= 400:
            ok = self.check(response.content_type == "application/problem+json",
                            f"{label}: {response.status} is {response.content_type!r}, "
                            "not application/problem+json")
            body = response.json()
            ok = self.check(isinstance(body, dict) and body.get("status") == response.status
                            and all(isinstance(body.get(k), str)
                                    for k in ("type", "title", "detail")),
                            f"{label}: not a problem body with type/title/status/detail: "
                            f"{response!r}") and ok
        if ok and field is not None:
            ok = self.check(field in response.fields(),
                            f"{label}: the problem does not name `{field}`: {response!r}")
        return ok


PROBES = []


def probe(name, title):
    def register(fn):
        PROBES.append((name, title, fn))
        return fn
    return register


# --- the data the probes act on, made through the API -----------------------------------------

def inn10(stem9):
    weights = [2, 4, 10, 3, 5, 9, 4, 6, 8]
    digits = [int(c) for c in f"{stem9:09d}"]
    return "".join(map(str, digits)) + str(sum(w * d for w, d in zip(weights, digits)) % 11 % 10)


def ogrn13(stem12):
    return f"{stem12:012d}{stem12 % 11 % 10}"


def inputs_body(k=0):
    count = lambda answered, satisfied: {"answered": answered, "satisfied": min(satisfied, answered)}
    return {
        "stand_information": {"found": 6 + k % 5, "required": 10},
        "site_information": {"found": 14 + k % 7, "required": 20},
        "remote_methods": ["telephone", "email", "faq"],
        "comfort_conditions": ["rest_area", "navigation", "drinking_water", "sanitary_rooms"],
        "premises_conditions": ["ramps", "disabled_parking", "adapted_sanitary_rooms"],
        "service_conditions": ["sound_visual_duplication", "braille", "sign_language",
                               "site_for_visually_impaired", "trained_escort",
                               "remote_or_home_service"],
        "survey": {
            "respondents": 50,
            "satisfied_stand_info": count(40, 34 + k % 7),
            "satisfied_site_info": count(20, 17 + k % 4),
            "satisfied_comfort": count(50, 42 + k % 9),
            "satisfied_accessibility": count(10, 7 + k % 4),
            "satisfied_first_contact": count(50, 46 + k % 5),
            "satisfied_staff": count(50, 47 + k % 4),
            "satisfied_remote": count(20, 17 + k % 4),
            "would_recommend": count(50, 44 + k % 7),
            "satisfied_organizational": count(50, 45 + k % 6),
            "satisfied_overall": count(50, 46 + k % 5),
        },
        "waiting_time": {"served_on_time": 45, "served": 50},
    }


SURVEY_HEADER = ("used_stands,satisfied_stand_info,used_site,satisfied_site_info,satisfied_comfort,"
                 "has_disability,satisfied_accessibility,satisfied_first_contact,satisfied_staff,"
                 "used_remote,satisfied_remote,would_recommend,satisfied_organizational,"
                 "satisfied_overall\n")
SURVEY_ROW = "yes,yes,no,,yes,no,,yes,yes,yes,yes,yes,yes,yes\n"

APPROVAL = {"position": "Министр труда и социальной защиты Тульской области",
            "full_name": "А.В. Филиппов", "date": "2025-02-20", "document_number": "12-р"}


def plan_body(organization_id, title, year=2025):
    return {"organization_id": organization_id, "year": year, "title": title,
            "basis": "Предложения Общественного совета", "approval": APPROVAL,
            "sections": [{"criterion": "K1", "measures": [
                {"number": "1", "shortcoming": "Информация на стендах неполная",
                 "title": "Обновить информацию на стендах", "deadline": "до 31.12.2025",
                 "executors": [{"kind": "person", "full_name": "Иванова М.П.",
                                "position": "директор"}]}]}]}


class World:
    """Ids and tokens of what the probes act on."""


W = World()


def expect(response, status, what):
    if response.status != status:
        raise SetupError(f"{what}: expected {status}, got {response!r}")
    return response.json()


def setup():
    w = W
    w.tokens = {role: token_of(role, DEMO_PASSWORD)
                for role in ("admin", "authority", "operator", "council", "organization",
                             "auditor")}
    w.me = {role: expect(request("GET", f"{API}/auth/me", w.tokens[role]), 200, f"me {role}")
            for role in w.tokens}
    admin = w.tokens["admin"]
    regions = expect(request("GET", f"{API}/regions?limit=500", admin), 200, "regions")["items"]
    w.tula = next(r["id"] for r in regions if r["code"] == "71")
    w.org_x = w.me["organization"]["organization_id"]
    w.operator_id = w.me["operator"]["user_id"]
    w.admin_id = w.me["admin"]["user_id"]
    orgs = expect(request("GET", f"{API}/organizations?region_id={w.tula}&limit=500", admin),
                  200, "organizations")["items"]
    others = [o["id"] for o in orgs if o["id"] != w.org_x and o["active"]]
    if not others:
        raise SetupError("the demo region has only one organization")
    w.org_y = others[0]

    # Region B, an organization there, and its users: authority, council, operator, organization.
    used = {r["code"] for r in regions}
    code = next(f"{n:02d}" for n in range(9, 100) if f"{n:02d}" not in used)
    w.region_b = expect(request("POST", f"{API}/regions", admin,
                                {"code": code, "name": "Регион пробы безопасности"}),
                        201, "create region B")["id"]
    stem = int(code) * 10_000_000 + 4242
    org_b = {"region_id": w.region_b,
             "full_name": "Государственное учреждение «Центр пробы безопасности»",
             "short_name": "ГУ «Центр пробы»", "inn": inn10(stem),
             "ogrn": ogrn13(102_000_000_000 + int(code) * 1_000_000 + 4242),
             "kpp": f"{code}0101001", "ownership": "state", "founder": "Министерство",
             "service_forms": ["stationary"], "address": "Город, улица, дом 1"}
    w.org_b = expect(request("POST", f"{API}/organizations", admin, org_b), 201,
                     "create organization B")["id"]
    w.passwords = {}
    w.b_tokens, w.b_ids = {}, {}
    for role in ("authority", "council", "operator", "organization"):
        username = f"sec-{role}-b"
        password = f"probe-{role}-{uuid.uuid4().hex[:12]}"
        w.passwords[username] = password
        SECRETS[f"password of {username}"] = password
        body = {"username": username, "password": password, "role": role}
        if role == "organization":
            body["organization_id"] = w.org_b
        else:
            body["region_id"] = w.region_b
        w.b_ids[role] = expect(request("POST", f"{API}/users", admin, body), 201,
                               f"create {username}")["id"]
        w.b_tokens[role] = token_of(username, password)

    # An unpublished cycle of the demo region assessing X and Y, with inputs for both.
    authority, operator = w.tokens["authority"], w.tokens["operator"]
    cycle = {"region_id": w.tula, "year": 2024, "organization_ids": [w.org_x, w.org_y],
             "operator_user_ids": [w.operator_id],
             "operator": {"name": "ООО «Проба»", "contract_number": "0001",
                          "contract_date": "2024-01-15"}}
    w.cycle = expect(request("POST", f"{API}/cycles", authority, cycle), 201, "create cycle")["id"]
    expect(request("POST", f"{API}/cycles/{w.cycle}/start-collecting", authority,
                   headers={"If-Match": "*"}), 200, "start collecting")
    for k, org in enumerate((w.org_x, w.org_y)):
        expect(request("PUT", f"{API}/cycles/{w.cycle}/evaluations/{org}/inputs", operator,
                       inputs_body(k), headers={"If-Match": "*"}), 200, f"inputs of {org}")
    w.eval_x = expect(request("GET", f"{API}/cycles/{w.cycle}/evaluations/{w.org_x}", admin),
                      200, "evaluation X")["id"]
    w.eval_y = expect(request("GET", f"{API}/cycles/{w.cycle}/evaluations/{w.org_y}", admin),
                      200, "evaluation Y")["id"]
    cycles = expect(request("GET", f"{API}/cycles?region_id={w.tula}&limit=500"), 200,
                    "published cycles")["items"]
    if not cycles:
        raise SetupError("the demo region has no published cycle")
    w.published_cycle = cycles[0]["id"]
    proposal = request("POST", f"{API}/cycles/{w.cycle}/proposals", w.tokens["council"],
                       {"organization_id": w.org_y, "criterion": "K1",
                        "text": "Привести информацию на стендах в соответствие"})
    w.proposal = expect(proposal, 201, "create proposal")["id"]

    # Y's plans: a draft, and an approved one with a draft report. X's own draft plan.
    plan = expect(request("POST", f"{API}/plans", authority,
                          plan_body(w.org_y, "План Y (черновик)")), 201, "plan Y draft")
    w.plan_yd = plan["id"]
    w.section_yd = plan["sections"][0]["id"]
    w.measure_yd = plan["sections"][0]["measures"][0]["id"]
    plan = expect(request("POST", f"{API}/plans", authority,
                          plan_body(w.org_y, "План Y (утверждён)")), 201, "plan Y")
    w.plan_ya = plan["id"]
    w.measure_ya = plan["sections"][0]["measures"][0]["id"]
    expect(request("POST", f"{API}/plans/{w.plan_ya}/submit", authority), 200, "submit plan Y")
    expect(request("POST", f"{API}/plans/{w.plan_ya}/approve", authority), 200, "approve plan Y")
    w.report = expect(request("POST", f"{API}/plans/{w.plan_ya}/reports", authority,
                              {"period": {"kind": "year", "year": 2025}}), 201, "report Y")["id"]
    plan = expect(request("POST", f"{API}/plans", w.tokens["organization"],
                          plan_body(w.org_x, "План X (черновик)")), 201, "plan X draft")
    w.plan_x = plan["id"]
    w.measure_x = plan["sections"][0]["measures"][0]["id"]

    # The demo authority's webhook subscription.
    secret = "whsec-" + uuid.uuid4().hex
    SECRETS["webhook secret"] = secret
    hook = request("POST", f"{API}/webhooks", authority,
                   {"url": "https://soc71.example.ru/nok/events", "event_types": ["plan.*"],
                    "secret": secret})
    SECRET_SHOWN_ONCE.add(id(hook))
    w.webhook = expect(hook, 201, "create webhook")["id"]


def snapshot():
    """What the admin reads of the objects that outsiders try to change."""
    admin = W.tokens["admin"]
    paths = {
        "cycle": f"{API}/cycles/{W.cycle}",
        "evaluation X": f"{API}/cycles/{W.cycle}/evaluations/{W.org_x}",
        "evaluation Y": f"{API}/cycles/{W.cycle}/evaluations/{W.org_y}",
        "proposals": f"{API}/cycles/{W.cycle}/proposals?limit=500",
        "approvals": f"{API}/cycles/{W.cycle}/approvals",
        "plan Y draft": f"{API}/plans/{W.plan_yd}",
        "plan Y": f"{API}/plans/{W.plan_ya}",
        "plan X": f"{API}/plans/{W.plan_x}",
        "reports of plan Y": f"{API}/plans/{W.plan_ya}/reports",
        "plans of Y": f"{API}/plans?organization_id={W.org_y}&limit=500",
        "organization X": f"{API}/organizations/{W.org_x}",
        "organization Y": f"{API}/organizations/{W.org_y}",
        "webhook": f"{API}/webhooks/{W.webhook}",
        "users": f"{API}/users?limit=500",
        "regions": f"{API}/regions?limit=500",
        "tula cycles": f"{API}/cycles?region_id={W.tula}&limit=500",
        "region B cycles": f"{API}/cycles?region_id={W.region_b}&limit=500",
        "region B organizations": f"{API}/organizations?region_id={W.region_b}&limit=500",
    }
    state = {}
    for name, path in paths.items():
        r = request("GET", path, admin)
        if r.status != 200:
            raise SetupError(f"snapshot of {name}: {r!r}")
        state[name] = r.json()
    return state


def compare_snapshots(p, before, after):
    for name in before:
        p.check(before[name] == after[name],
                f"{name} changed: {json.dumps(before[name], ensure_ascii=False)[:300]} -> "
                f"{json.dumps(after[name], ensure_ascii=False)[:300]}")


def feed(token):
    """Every item of the change feed the caller sees."""
    items, since = [], None
    for _ in range(200):
        path = f"{API}/changes?limit=500" + (f"&since={since}" if since else "")
        r = request("GET", path, token)
        if r.status != 200:
            raise SetupError(f"change feed: {r!r}")
        page = r.json()
        items.extend(page["items"])
        since = page["next_cursor"]
        if not page["has_more"]:
            return items
    raise SetupError("the change feed does not end")


def cycle_reads(w):
    c = w.cycle
    return {
        "cycle": f"{API}/cycles/{c}",
        "evaluations": f"{API}/cycles/{c}/evaluations",
        "evaluation X": f"{API}/cycles/{c}/evaluations/{w.org_x}",
        "evaluation Y": f"{API}/cycles/{c}/evaluations/{w.org_y}",
        "ratings (current)": f"{API}/cycles/{c}/ratings?approval=current",
        "ratings export": f"{API}/cycles/{c}/ratings/export?format=csv&approval=current",
        "results export": f"{API}/cycles/{c}/results/export?format=csv&approval=current",
        "approvals": f"{API}/cycles/{c}/approvals",
        "proposals": f"{API}/cycles/{c}/proposals",
        "proposal": f"{API}/cycles/{c}/proposals/{w.proposal}",
    }


def plan_reads(w):
    return {
        "plan Y draft": f"{API}/plans/{w.plan_yd}",
        "measure of plan Y draft": f"{API}/plans/{w.plan_yd}/measures/{w.measure_yd}",
        "plan Y draft export": f"{API}/plans/{w.plan_yd}/export?format=csv",
        "plan Y": f"{API}/plans/{w.plan_ya}",
        "reports of plan Y": f"{API}/plans/{w.plan_ya}/reports",
        "report of plan Y": f"{API}/plans/{w.plan_ya}/reports/{w.report}",
        "report export": f"{API}/plans/{w.plan_ya}/reports/{w.report}/export?format=csv",
    }


def other_reads(w):
    return {
        "unassessed organizations of the region": f"{API}/regions/{w.tula}/unassessed-organizations",
        "audit log": f"{API}/audit-events",
        "webhook of the demo authority": f"{API}/webhooks/{w.webhook}",
        "its deliveries": f"{API}/webhooks/{w.webhook}/deliveries",
    }


def writes(w, target_org):
    """Writes on the demo region's unpublished objects, each with a body that would pass."""
    c = w.cycle
    return [
        ("PATCH", f"/cycles/{c}", {"operator_user_ids": [w.b_ids["operator"]]}, MERGE),
        ("POST", f"/cycles/{c}/start-collecting", None, None),
        ("POST", f"/cycles/{c}/submit-results", None, None),
        ("POST", f"/cycles/{c}/publish", None, None),
        ("POST", f"/cycles/{c}/reopen", None, None),
        ("POST", f"/cycles/{c}/ratings/approve", {"number": "99", "date": "2024-12-01"}, None),
        ("PUT", f"/cycles/{c}/evaluations/{target_org}/inputs", inputs_body(3), None),
        ("POST", f"/cycles/{c}/evaluations/{target_org}/survey-responses",
         SURVEY_HEADER + SURVEY_ROW, "text/csv"),
        ("POST", f"/cycles/{c}/proposals", {"criterion": "K2", "text": "чужое предложение"}, None),
        ("PATCH", f"/cycles/{c}/proposals/{w.proposal}", {"text": "подменено"}, MERGE),
        ("DELETE", f"/cycles/{c}/proposals/{w.proposal}", None, None),
        ("PATCH", f"/plans/{w.plan_yd}", {"title": "подменено"}, MERGE),
        ("POST", f"/plans/{w.plan_yd}/submit", None, None),
        ("POST", f"/plans/{w.plan_yd}/measures",
         {"title": "чужая мера", "deadline": "постоянно", "section_id": w.section_yd}, None),
        ("PATCH", f"/plans/{w.plan_yd}/measures/{w.measure_yd}", {"title": "подменено"}, MERGE),
        ("DELETE", f"/plans/{w.plan_yd}/measures/{w.measure_yd}", None, None),
        ("POST", f"/plans/{w.plan_ya}/return", None, None),
        ("POST", f"/plans/{w.plan_ya}/publish", None, None),
        ("POST", f"/plans/{w.plan_ya}/close", None, None),
        ("PATCH", f"/plans/{w.plan_ya}/measures/{w.measure_ya}", {"status": "done"}, MERGE),
        ("POST", f"/plans/{w.plan_ya}/reports", {"period": {"kind": "year", "year": 2026}}, None),
        ("PUT", f"/plans/{w.plan_ya}/reports/{w.report}/entries/{w.measure_ya}",
         {"execution_info": "подменено"}, None),
        ("POST", f"/plans/{w.plan_ya}/reports/{w.report}/submit", None, None),
        ("POST", f"/plans/{w.plan_ya}/reports/{w.report}/accept", None, None),
        ("POST", f"/evaluations/{w.eval_y}/plan-draft", {}, None),
        ("PATCH", f"/organizations/{w.org_y}", {"website": "https://evil.example"}, MERGE),
        ("POST", f"/organizations/{w.org_y}/deactivate", None, None),
        ("DELETE", f"/webhooks/{w.webhook}", None, None),
    ]


def try_writes(p, token, who, items):
    for method, path, body, ctype in items:
        kwargs = {"headers": {"If-Match": "*"}}
        if isinstance(body, (dict, list)):
            kwargs["json_body"] = body
            kwargs["content_type"] = ctype
        elif body is not None:
            kwargs["body"] = body
            kwargs["content_type"] = ctype
        r = request(method, API + path, token, **kwargs)
        p.problem(r, (403, 404), f"{who}: {method} {path}")


def controls(p, reads):
    """The admin reads every path: the refusals below are about the caller, not the path."""
    admin = W.tokens["admin"]
    for name, path in reads.items():
        r = request("GET", path, admin)
        if not p.check(r.status == 200, f"control: admin reads {name}: {r!r}"):
            raise SetupError(f"admin cannot read {name}: {r!r}")


def hidden_in_feed(p, who, items, hidden):
    seen = {(i["resource_type"], i["resource_id"]) for i in items}
    for resource_type, resource_id, what in hidden:
        p.check((resource_type, str(resource_id)) not in seen,
                f"{who}: the change feed shows {what} ({resource_type} {resource_id})")


@probe("API1-region", "object level: users of another region neither read nor write the demo "
       "region's unpublished cycle, evaluations, ratings, proposals, plans, reports, audit log, "
       "webhook")
def api1_region(p):
    w = W
    reads = {**cycle_reads(w), **plan_reads(w), **other_reads(w)}
    controls(p, reads)
    p.status(request("GET", f"{API}/cycles/{w.cycle}", w.tokens["authority"]), 200,
             "control: the demo region's authority reads its cycle")
    before = snapshot()
    hidden = [("cycle", w.cycle, "the unpublished cycle"),
              ("evaluation", w.eval_x, "an unpublished evaluation"),
              ("evaluation", w.eval_y, "an unpublished evaluation"),
              ("proposal", w.proposal, "a proposal of the unpublished cycle"),
              ("plan", w.plan_yd, "a draft plan"), ("plan", w.plan_ya, "an unpublished plan"),
              ("report", w.report, "a draft report")]
    for role, token in w.b_tokens.items():
        who = f"{role} of region B"
        for name, path in reads.items():
            p.problem(request("GET", path, token), (403, 404), f"{who} reads {name}")
        cycles = request("GET", f"{API}/cycles?limit=500", token)
        if p.status(cycles, 200, f"{who} lists cycles"):
            p.check(w.cycle not in [c["id"] for c in cycles.json()["items"]],
                    f"{who}: the cycle list shows the unpublished cycle")
        plans = request("GET", f"{API}/plans?limit=500", token)
        if p.status(plans, 200, f"{who} lists plans"):
            ids = [x["id"] for x in plans.json()["items"]]
            p.check(w.plan_yd not in ids and w.plan_ya not in ids,
                    f"{who}: the plan list shows unpublished plans of the demo region")
        hidden_in_feed(p, who, feed(token), hidden)
        try_writes(p, token, who, writes(w, w.org_x))
    authority_b = w.b_tokens["authority"]
    new_cycle = {"region_id": w.tula, "year": 2026, "organization_ids": [w.org_x]}
    p.problem(request("POST", f"{API}/cycles", authority_b, new_cycle), 403,
              "authority of region B creates a cycle in the demo region")
    p.problem(request("POST", f"{API}/plans", authority_b, plan_body(w.org_y, "Чужой план")),
              (403, 404, 422), "authority of region B creates a plan for a demo organization")
    p.problem(request("POST", f"{API}/plans", w.b_tokens["organization"],
                      plan_body(w.org_y, "Чужой план")),
              403, "organization of region B creates a plan for a demo organization")
    foreign = request("POST", f"{API}/cycles", authority_b,
                      {"region_id": w.region_b, "year": 2026, "organization_ids": [w.org_x]})
    if p.problem(foreign, 422, "authority of region B puts a demo organization in its own cycle"):
        p.check(any(f == "organization_ids" or f.startswith("organization_ids[")
                    for f in foreign.fields()),
                f"the refusal does not name organization_ids: {foreign!r}")
    hook_list = request("GET", f"{API}/webhooks?limit=500", authority_b)
    if p.status(hook_list, 200, "authority of region B lists its webhooks"):
        p.check(w.webhook not in [h["id"] for h in hook_list.json()["items"]],
                "authority of region B: the webhook list shows the demo authority's webhook")
    org_body = {"region_id": w.tula, "full_name": "Чужое учреждение", "short_name": "Чужое",
                "inn": inn10(710004243), "ogrn": ogrn13(102710004243), "kpp": "710101001",
                "ownership": "state", "service_forms": ["stationary"], "address": "Тула"}
    p.problem(request("POST", f"{API}/organizations", authority_b, org_body), 403,
              "authority of region B creates an organization in the demo region")
    compare_snapshots(p, before, snapshot())


@probe("API1-organization", "object level: the demo organization neither reads nor writes "
       "another organization's unpublished evaluation, ratings, plans, reports")
def api1_organization(p):
    w = W
    token = w.tokens["organization"]
    who = "organization X"
    refused = {k: v for k, v in cycle_reads(w).items()
               if k in ("evaluation Y", "ratings (current)", "ratings export", "results export",
                        "approvals")}
    refused["ratings (latest)"] = f"{API}/cycles/{w.cycle}/ratings"
    refused.update(plan_reads(w))
    refused.update(other_reads(w))
    controls(p, {k: v for k, v in refused.items() if k != "ratings (latest)"})
    p.status(request("GET", f"{API}/cycles/{w.cycle}/evaluations/{w.org_x}", token), 200,
             "control: organization X reads its own evaluation")
    p.status(request("GET", f"{API}/plans/{w.plan_x}", token), 200,
             "control: organization X reads its own plan")
    before = snapshot()
    for name, path in refused.items():
        p.problem(request("GET", path, token), (403, 404), f"{who} reads {name}")
    evaluations = request("GET", f"{API}/cycles/{w.cycle}/evaluations?limit=500", token)
    if p.status(evaluations, 200, f"{who} lists the cycle's evaluations"):
        shown = {e["organization_id"] for e in evaluations.json()["items"]}
        p.check(shown <= {w.org_x}, f"{who}: the evaluation list shows {sorted(shown)}")
    plans = request("GET", f"{API}/plans?limit=500", token)
    if p.status(plans, 200, f"{who} lists plans"):
        ids = [x["id"] for x in plans.json()["items"]]
        p.check(w.plan_yd not in ids and w.plan_ya not in ids,
                f"{who}: the plan list shows Y's unpublished plans")
    plans_y = request("GET", f"{API}/plans?organization_id={w.org_y}&limit=500", token)
    if p.status(plans_y, 200, f"{who} lists Y's plans"):
        p.check(not plans_y.json()["items"], f"{who}: Y's unpublished plans are listed")
    hidden_in_feed(p, who, feed(token), [
        ("evaluation", w.eval_y, "Y's unpublished evaluation"),
        ("plan", w.plan_yd, "Y's draft plan"), ("plan", w.plan_ya, "Y's unpublished plan"),
        ("report", w.report, "Y's draft report")])
    try_writes(p, token, who, [x for x in writes(w, w.org_y)])
    p.problem(request("POST", f"{API}/plans", token, plan_body(w.org_y, "План за Y")), 403,
              f"{who} creates a plan for Y")
    p.problem(request("POST", f"{API}/plans/import?organization_id={w.org_y}&year=2025",
                      token, body="a,b\n", content_type="text/csv"), 403,
              f"{who} imports a plan for Y")
    measure = {"title": "Мера по чужой оценке", "deadline": "постоянно",
               "section_id": None, "evaluation_id": w.eval_y, "indicator": "1.1"}
    plan_x = request("GET", f"{API}/plans/{w.plan_x}", token).json()
    measure["section_id"] = plan_x["sections"][0]["id"]
    p.problem(request("POST", f"{API}/plans/{w.plan_x}/measures", token, measure), (403, 404, 422),
              f"{who} links its measure to Y's evaluation")
    compare_snapshots(p, before, snapshot())


@probe("API2-tokens", "broken authentication: alg none, wrong key, other algs, expired, not yet "
       "valid, other issuer or audience, unknown subject, garbage: 401 problem+json")
def api2_tokens(p):
    w = W
    admin_claims = lambda **o: claims_for(w.admin_id, "admin", "admin", **o)
    now = int(time.time())
    control = forge(admin_claims())
    p.status(request("GET", f"{API}/users", control), 200,
             "control: a token signed with the server's key is accepted")
    bad = {
        "alg none": forge(admin_claims(), alg="none"),
        "alg None": forge(admin_claims(), alg="None"),
        "alg NONE": forge(admin_claims(), alg="NONE"),
        "alg none with the signature kept": forge(admin_claims(), alg="none") +
        control.rsplit(".", 1)[1],
        "wrong key": forge(admin_claims(), key="not-the-secret-" + "x" * 32),
        "empty key": forge(admin_claims(), key=""),
        "HS512 with the right key": forge(admin_claims(), alg="HS512"),
        "HS384 with the right key": forge(admin_claims(), alg="HS384"),
        "RS256 header, HMAC signature": forge(admin_claims(), alg="RS256"),
        "ES256 header, HMAC signature": forge(admin_claims(), alg="ES256"),
        "expired an hour ago": forge(admin_claims(exp=now - 3600, iat=now - 7200,
                                                  nbf=now - 7200)),
        "not valid for an hour": forge(admin_claims(nbf=now + 3600, iat=now + 3600,
                                                    exp=now + 7200)),
        "another issuer": forge(admin_claims(iss="someone-else")),
        "another audience": forge(admin_claims(aud="someone-else")),
        "no exp": forge(admin_claims(exp=None)),
        "no aud": forge(admin_claims(aud=None)),
        "no sub": forge(admin_claims(sub=None)),
        "unknown subject": forge(claims_for(987654321, "ghost", "admin")),
        "subject not a number": forge(claims_for("1 OR 1=1", "admin", "admin")),
        "payload changed after signing": control.split(".")[0] + "." +
        b64url(json.dumps(claims_for(w.admin_id, "admin", "admin", exp=now + 99999)).encode()) +
        "." + control.split(".")[2],
        "kid naming /dev/null, signed with its (empty) content": forge(
            admin_claims(), key="", header_extra={"kid": "../../../../../../dev/null"}),
        "garbage": "garbage",
        "three empty parts": "..",
        "not base64": "a.b.c",
        "huge": "a" * 6000,
    }
    for name, token in bad.items():
        r = request("GET", f"{API}/users", token)
        p.problem(r, 401, f"token with {name}")
        p.check(r.status != 401 or "bearer" in (r.header("WWW-Authenticate") or "").lower(),
                f"token with {name}: 401 without WWW-Authenticate: Bearer")
    for name, value in {"Basic credentials": "Basic YWRtaW46YWRtaW4=",
                        "Bearer without a token": "Bearer",
                        "a token without a scheme": control,
                        "Bearer twice": f"Bearer Bearer {control}"}.items():
        r = request("GET", f"{API}/users", headers={"Authorization": value})
        p.problem(r, 401, f"Authorization: {name}")
    p.problem(request("GET", f"{API}/users"), 401, "no token on an admin route")
    p.problem(request("GET", f"{API}/regions", "garbage"), 401,
              "a bad token on a public route is refused, not ignored")
    r = request("GET", f"{API}/users?access_token={control}")
    p.problem(r, (400, 401), "a token in the query string does not authenticate")
    # The role comes from the database, not from the token's claims.
    org_user = w.me["organization"]
    escalated = forge(claims_for(org_user["user_id"], "organization", "admin", organization_id=None))
    p.problem(request("GET", f"{API}/users", escalated), 403,
              "a validly signed token of the organization user claiming role admin")
    r = request("GET", f"{API}/auth/me", escalated)
    if p.status(r, 200, "the same token on /auth/me"):
        p.check(r.json().get("role") == "organization",
                f"/auth/me believes the token's role claim: {r!r}")
    region_claim = forge(claims_for(w.b_ids["authority"], "sec-authority-b", "authority",
                                    region_id=w.tula))
    p.problem(request("GET", f"{API}/cycles/{w.cycle}", region_claim), (403, 404),
              "a token of region B's authority claiming the demo region")


@probe("API2-accounts", "broken authentication: tokens of a deactivated user and tokens issued "
       "before a password reset stop working; a deactivated user cannot log in")
def api2_accounts(p):
    admin = W.tokens["admin"]
    made = {}
    for name in ("sec-victim-deactivated", "sec-victim-reset"):
        password = f"victim-{uuid.uuid4().hex[:16]}"
        SECRETS[f"password of {name}"] = password
        user = request("POST", f"{API}/users", admin,
                       {"username": name, "password": password, "role": "auditor"})
        if not p.status(user, 201, f"create {name}"):
            return
        made[name] = (user.json()["id"], password)
    uid, password = made["sec-victim-deactivated"]
    old = login("sec-victim-deactivated", password)
    if not p.status(old, 200, "the user logs in"):
        return
    token = old.json()["access_token"]
    p.status(request("GET", f"{API}/auth/me", token), 200, "control: its token works")
    p.status(request("POST", f"{API}/users/{uid}/deactivate", admin), 200, "admin deactivates it")
    p.problem(request("GET", f"{API}/auth/me", token), 401, "token of a deactivated user")
    p.problem(request("GET", f"{API}/audit-events", token), 401,
              "token of a deactivated user on its role's route")
    again = login("sec-victim-deactivated", password)
    wrong = login("sec-victim-deactivated", password + "x")
    p.problem(again, 401, "a deactivated user logs in with its password")
    p.check(strip_volatile(again.json()) == strip_volatile(wrong.json()),
            f"a deactivated user's login answer differs from a wrong password's: "
            f"{again!r} vs {wrong!r}")

    uid, password = made["sec-victim-reset"]
    first = login("sec-victim-reset", password)
    if not p.status(first, 200, "the user logs in"):
        return
    token = first.json()["access_token"]
    # Revocation counts whole seconds (`iat`): the reset comes in a later second.
    time.sleep(1.05 - (time.time() % 1.0) + 0.05)
    new_password = f"victim-new-{uuid.uuid4().hex[:16]}"
    SECRETS["new password of sec-victim-reset"] = new_password
    p.status(request("POST", f"{API}/users/{uid}/password", admin, {"password": new_password}),
             200, "admin resets the password")
    p.problem(request("GET", f"{API}/auth/me", token), 401, "a token issued before the reset")
    p.problem(login("sec-victim-reset", password), 401, "login with the old password")
    fresh = login("sec-victim-reset", new_password)
    if p.status(fresh, 200, "login with the new password"):
        p.status(request("GET", f"{API}/auth/me", fresh.json()["access_token"]), 200,
                 "the new token works")


def strip_volatile(body):
    if not isinstance(body, dict):
        return body
    return {k: v for k, v in body.items() if k not in ("request_id", "instance")}


@probe("API2-login", "broken authentication: a wrong password and an unknown user get the same "
       "answer after comparable work; the token answer is not cached")
def api2_login(p):
    source = "127.0.0.5"
    samples = {"wrong password": [], "unknown user": []}
    answers = {}
    for _ in range(2):
        for name, (user, password) in {"wrong password": ("admin", "not-the-password-at-all"),
                                       "unknown user": ("sec-nobody-here",
                                                        "not-the-password-at-all")}.items():
            r = login(user, password, source=source)
            p.problem(r, 401, f"login with {name}")
            samples[name].append(r.elapsed)
            answers[name] = r
    a, b = answers["wrong password"], answers["unknown user"]
    p.check(strip_volatile(a.json()) == strip_volatile(b.json()),
            f"the bodies differ: {a!r} vs {b!r}")
    p.check(a.content_type == b.content_type, "the media types differ")
    fast, slow = min(samples["unknown user"]), min(samples["wrong password"])
    p.check(fast >= slow * 0.25,
            f"an unknown user is answered much faster ({fast * 1000:.0f} ms) than a wrong "
            f"password ({slow * 1000:.0f} ms): the username can be guessed by timing")
    ok = login("auditor", DEMO_PASSWORD, source=source)
    if p.status(ok, 200, "control: a right password"):
        p.check("no-store" in (ok.header("Cache-Control") or ""),
                f"the token answer may be cached: Cache-Control {ok.header('Cache-Control')!r}")
        document = request("GET", "/api-docs/openapi.json").json()
        documented = set(document["components"]["schemas"]["TokenResponse"]["properties"])
        extra = set(ok.json()) - documented
        p.check(not extra, f"the token answer has undocumented fields: {sorted(extra)}")
    p.problem(login("admin", DEMO_PASSWORD, source=source, extra={"role": "admin"}), (400, 422),
              "a login body with an extra field", field="role")


@probe("API2-idempotency", "broken authentication: a stored Idempotency-Key answer is replayed "
       "only to the caller who made it, as the route would authenticate it (any spelling of "
       "Bearer; not anonymous callers, bad tokens or revoked ones)")
def api2_idempotency(p):
    w = W
    admin = w.tokens["admin"]

    def hook_body():
        return {"url": f"https://hooks.example.org/{uuid.uuid4().hex}", "event_types": ["plan.*"]}

    def not_replayed(r, label, expected):
        p.problem(r, expected, label)
        p.check(r.header("Idempotent-Replayed") is None,
                f"{label}: the stored answer was replayed: {r!r}")

    # Schemes are case-insensitive (RFC 9110): the route takes "bearer"; so must the key's owner.
    key, body = f"sec-{uuid.uuid4()}", hook_body()
    made = request("POST", f"{API}/webhooks", json_body=body,
                   headers={"Authorization": f"bearer {admin}", "Idempotency-Key": key})
    if p.status(made, 201, "control: admin registers a webhook with `bearer` in lower case"):
        SECRET_SHOWN_ONCE.add(id(made))
        SECRETS["generated webhook secret"] = made.json()["secret"]
        again = request("POST", f"{API}/webhooks", json_body=body,
                        headers={"Authorization": f"bearer {admin}", "Idempotency-Key": key})
        if p.status(again, 201, "control: admin's retry is replayed"):
            SECRET_SHOWN_ONCE.add(id(again))
            p.check(again.header("Idempotent-Replayed") == "true",
                    f"control: admin's retry is not a replay: {again!r}")
        not_replayed(request("POST", f"{API}/webhooks", json_body=body,
                             headers={"Idempotency-Key": key}),
                     "the same key and body without a token", 401)
        not_replayed(request("POST", f"{API}/webhooks", "garbage", body,
                             headers={"Idempotency-Key": key}),
                     "the same key and body with a bad token", 401)
    # A revoked token gets nothing: not even answers stored for it before.
    name = "sec-victim-idempotent"
    password = f"victim-{uuid.uuid4().hex[:16]}"
    SECRETS[f"password of {name}"] = password
    user = request("POST", f"{API}/users", admin, {"username": name, "password": password,
                                                    "role": "authority", "region_id": w.region_b})
    if p.status(user, 201, f"create {name}"):
        token = token_of(name, password)
        key, body = f"sec-{uuid.uuid4()}", hook_body()
        made = request("POST", f"{API}/webhooks", token, body, headers={"Idempotency-Key": key})
        if p.status(made, 201, "control: the authority registers a webhook"):
            SECRET_SHOWN_ONCE.add(id(made))
            SECRETS["generated webhook secret of a deactivated user"] = made.json()["secret"]
            p.status(request("POST", f"{API}/users/{user.json()['id']}/deactivate", admin), 200,
                     "admin deactivates the authority")
            not_replayed(request("POST", f"{API}/webhooks", token, body,
                                 headers={"Idempotency-Key": key}),
                         "the deactivated user's token with its stored key", 401)
    # Another caller with the same key and body is another request.
    key = f"sec-{uuid.uuid4()}"
    body = plan_body(w.org_y, "План Y по ключу")
    made = request("POST", f"{API}/plans", w.tokens["authority"], body,
                   headers={"Idempotency-Key": key})
    if p.status(made, 201, "control: the authority drafts a plan for Y with a key"):
        not_replayed(request("POST", f"{API}/plans", w.tokens["organization"], body,
                             headers={"Idempotency-Key": key}),
                     "organization X with the authority's key and body", 403)
        not_replayed(request("POST", f"{API}/plans", w.b_tokens["authority"], body,
                             headers={"Idempotency-Key": key}),
                     "the authority of region B with the same key and body", (403, 404, 422))
    # The body limit holds with a key too: a request is not buffered beyond it.
    # Anonymous callers may be refused (401) before the body is looked at: as quick.
    for who, token, expected in (("anonymous", None, (401, 413)), ("admin", admin, 413)):
        head = ["Content-Type: application/json", "Idempotency-Key: sec-big",
                f"Content-Length: {8 * BODY_LIMIT}"]
        if token:
            head.append(f"Authorization: Bearer {token}")
        r = raw_request("POST", f"{API}/organizations", head, [b"{" + b" " * 65536], timeout=10)
        p.problem(r, expected, f"{who}: a declared body of 8 MiB with an Idempotency-Key, "
                  "answered without waiting for it")
        big = b"[" + b"0," * (3 * BODY_LIMIT // 2) + b"0]"
        r = raw_request("POST", f"{API}/organizations",
                        head[:2] + head[3:] + ["Transfer-Encoding: chunked"], chunked(big))
        p.problem(r, expected, f"{who}: a chunked 3 MiB body with an Idempotency-Key")


@probe("API3-mass-assignment", "property level: fields the caller may not set (id, role, "
       "password_hash, status, region_id, created_at, owner ...) are refused naming the field, "
       "and nothing changes")
def api3_mass_assignment(p):
    w = W
    admin, org, authority = w.tokens["admin"], w.tokens["organization"], w.tokens["authority"]
    before = snapshot()
    # Unknown fields: 400/422 naming the field.
    cases = [
        (admin, "POST", "/users", {"username": "sec-mass-1", "password": "p" * 16,
                                  "role": "auditor", "password_hash": "$argon2id$v=19$x"},
         None, "password_hash"),
        (admin, "POST", "/users", {"username": "sec-mass-2", "password": "p" * 16,
                                  "role": "auditor", "id": 1}, None, "id"),
        (admin, "POST", "/users", {"username": "sec-mass-3", "password": "p" * 16,
                                  "role": "auditor", "active": False}, None, "active"),
        (admin, "POST", "/users", {"username": "sec-mass-4", "password": "p" * 16,
                                  "role": "auditor", "created_at": "2000-01-01T00:00:00Z"},
         None, "created_at"),
        (admin, "POST", "/regions", {"code": "98", "name": "x", "id": 1}, None, "id"),
        (org, "PATCH", f"/organizations/{w.org_x}", {"id": w.org_y}, MERGE, "id"),
        (org, "PATCH", f"/organizations/{w.org_x}", {"created_at": "2000-01-01T00:00:00Z"},
         MERGE, "created_at"),
        (org, "PATCH", f"/plans/{w.plan_x}", {"status": "approved"}, MERGE, "status"),
        (org, "PATCH", f"/plans/{w.plan_x}", {"organization_id": w.org_y}, MERGE,
         "organization_id"),
        (org, "PATCH", f"/plans/{w.plan_x}", {"region_id": w.region_b}, MERGE, "region_id"),
        (org, "PATCH", f"/plans/{w.plan_x}", {"cycle_id": w.cycle}, MERGE, "cycle_id"),
        (org, "PATCH", f"/plans/{w.plan_x}", {"id": w.plan_yd}, MERGE, "id"),
        (org, "PATCH", f"/plans/{w.plan_x}/measures/{w.measure_x}", {"plan_id": w.plan_yd},
         MERGE, "plan_id"),
        (org, "PATCH", f"/plans/{w.plan_x}/measures/{w.measure_x}", {"overdue": False},
         MERGE, "overdue"),
        (org, "POST", "/plans", {**plan_body(w.org_x, "План со статусом"), "status": "published"},
         None, "status"),
        (org, "POST", "/plans", {**plan_body(w.org_x, "План"), "sections": [
            {"criterion": "K1", "measures": [{"title": "м", "deadline": "постоянно",
                                              "status": "done"}]}]},
         None, "sections[0].measures[0].status"),
        (authority, "PATCH", f"/cycles/{w.cycle}", {"status": "published"}, MERGE, "status"),
        (authority, "PATCH", f"/cycles/{w.cycle}", {"region_id": w.region_b}, MERGE, "region_id"),
        (authority, "PATCH", f"/cycles/{w.cycle}", {"year": 2000}, MERGE, "year"),
        (authority, "POST", "/webhooks", {"url": "https://soc71.example.ru/x",
                                          "event_types": ["*"], "owner": "admin"}, None, "owner"),
        (authority, "POST", "/webhooks", {"url": "https://soc71.example.ru/x",
                                          "event_types": ["*"], "owner_region_id": None},
         None, "owner_region_id"),
        (authority, "PUT", f"/plans/{w.plan_ya}/reports/{w.report}/entries/{w.measure_ya}",
         {"execution_info": "x", "status": "accepted"}, None, "status"),
        (w.tokens["operator"], "PUT", f"/cycles/{w.cycle}/evaluations/{w.org_x}/inputs",
         {**inputs_body(), "scores": {"total": "100"}}, None, "scores"),
        (w.tokens["operator"], "PUT", f"/cycles/{w.cycle}/evaluations/{w.org_x}/inputs",
         {**inputs_body(), "complete": True}, None, "complete"),
    ]
    for token, method, path, body, ctype, field in cases:
        r = request(method, API + path, token, body, content_type=ctype,
                    headers={"If-Match": "*"})
        p.problem(r, (400, 422), f"{method} {path} with `{field}`", field=field)
    # Known fields that this caller's role may not change: the organization's own record.
    for field, value in {"region_id": w.region_b, "inn": inn10(710009999),
                         "active": False, "full_name": "Подмена"}.items():
        r = request("PATCH", f"{API}/organizations/{w.org_x}", org, {field: value},
                    content_type=MERGE, headers={"If-Match": "*"})
        p.problem(r, 403, f"organization X sets `{field}` of its own record", field=field)
    # The login takes no role either.
    r = login("auditor", DEMO_PASSWORD, extra={"role": "admin"})
    p.problem(r, (400, 422), "login asking for role admin", field="role")
    after = snapshot()
    compare_snapshots(p, before, after)


SECRET_MARKERS = [
    (re.compile(r"\$argon2"), "an argon2 hash"),
    (re.compile(r"\"password_hash\"\s*:"), "a password_hash field"),
    (re.compile(r"\"password\"\s*:\s*\"(?!changed\")"), "a password value"),
]
INTERNAL_MARKERS = [
    (re.compile(r"(?i)diesel"), "diesel"),
    (re.compile(r"(?i)sqlite"), "SQLite"),
    (re.compile(r"(?i)postgres|libpq"), "PostgreSQL"),
    (re.compile(r"(?i)\bselect\b[^\"]{0,200}\bfrom\b"), "SQL"),
    (re.compile(r"(?i)\b(insert into|update \w+ set|delete from)\b"), "SQL"),
    (re.compile(r"(?i)constraint failed|violates .* constraint|duplicate key value"),
     "a constraint message"),
    (re.compile(r"panicked at"), "a panic"),
    (re.compile(r"(?i)stack backtrace|\bbacktrace\b"), "a backtrace"),
    (re.compile(r"\b[\w/]+\.rs:\d+"), "a source location"),
    (re.compile(r"/root/|/home/|\.cargo/registry"), "a file system path"),
    (re.compile(r"(?i)tokio-runtime|actix_web::|r2d2"), "a runtime internal"),
]


def leaks(response):
    """What the answer shows that it must not."""
    if response.path.startswith("/api-docs") or not response.body:
        return []
    text = response.text
    found = []
    for pattern, what in SECRET_MARKERS + INTERNAL_MARKERS:
        if pattern.search(text):
            found.append(what)
    for name, value in SECRETS.items():
        if value and value in text and id(response) not in SECRET_SHOWN_ONCE:
            found.append(name)
    if JWT_SECRET and JWT_SECRET in text:
        found.append("the JWT secret")
    return found


@probe("API3-exposure", "excessive data exposure: users, auth/me, audit log, change feed and "
       "errors show no password, hash, secret, SQL, driver message or stack trace")
def api3_exposure(p):
    w = W
    admin = w.tokens["admin"]
    reads = [f"{API}/users?limit=500", f"{API}/users/{w.admin_id}",
             f"{API}/users/{w.b_ids['authority']}", f"{API}/auth/me",
             f"{API}/audit-events?limit=500", f"{API}/audit-events?resource_type=user&limit=500",
             f"{API}/audit-events?resource_type=webhook&limit=500",
             f"{API}/webhooks?limit=500", f"{API}/webhooks/{w.webhook}"]
    for path in reads:
        r = request("GET", path, admin)
        if p.status(r, 200, f"admin reads {path}"):
            p.check(not leaks(r), f"{path} shows {leaks(r)}")
    for role in ("auditor", "authority", "organization"):
        r = request("GET", f"{API}/auth/me", w.tokens[role])
        p.check(r.status == 200 and not leaks(r), f"/auth/me of {role}: {leaks(r)}")
    hook = request("GET", f"{API}/webhooks/{w.webhook}", w.tokens["authority"])
    if p.status(hook, 200, "the owner reads its webhook"):
        p.check(hook.json().get("secret") in (None, ""),
                "a webhook read shows its signing secret (it is shown once, at creation)")
    for item in feed(admin):
        if item.get("resource_type") == "user" or "password" in json.dumps(item):
            p.check("password" not in json.dumps(item), f"the change feed shows {item}")
    # Errors of every kind: none may tell how the service is built.
    name = "sec-dup-" + uuid.uuid4().hex[:6]
    body = {"username": name, "password": "p" * 16, "role": "auditor"}
    request("POST", f"{API}/users", admin, body)
    errors = [
        ("POST", f"{API}/users", body, "a duplicate username"),
        ("POST", f"{API}/regions", {"code": "71", "name": "Дубль"}, "a duplicate region code"),
        ("POST", f"{API}/users", {"username": "sec-fk", "password": "p" * 16,
                                  "role": "organization", "organization_id": 999999999},
         "a user of an organization that does not exist"),
        ("POST", f"{API}/users", {"username": "sec-fk2", "password": "p" * 16,
                                  "role": "authority", "region_id": 2 ** 62},
         "a region id near the integer limit"),
        ("POST", f"{API}/cycles", {"region_id": w.tula, "year": 2024,
                                   "organization_ids": [w.org_x]}, "a second cycle of a year"),
        ("GET", f"{API}/organizations/99999999999999999999999", None, "an id beyond 64 bits"),
        ("GET", f"{API}/organizations/-1", None, "a negative id"),
        ("GET", f"{API}/organizations/1%27%20OR%201=1--", None, "SQL in a path id"),
        ("GET", f"{API}/organizations?region_id=1%20OR%201=1", None, "SQL in a filter"),
        ("GET", f"{API}/organizations?cursor=%27%20OR%201=1--", None, "SQL in a cursor"),
        ("GET", f"{API}/audit-events?since=yesterday", None, "a bad moment"),
        ("GET", f"{API}/plans?as_of=2025-13-45", None, "a bad date"),
        ("POST", f"{API}/organizations", "{\"region_id\": ", "a cut-off JSON body"),
        ("POST", f"{API}/organizations", "\xff\xfe{}", "a body that is not UTF-8"),
        ("POST", f"{API}/organizations", {"region_id": "1; DROP TABLE organizations"},
         "SQL in a JSON field"),
        ("GET", f"{API}/cycles/{w.published_cycle}/ratings/export?format=pdf", None,
         "an unknown export format"),
        ("GET", f"{API}/changes?since=not-a-cursor", None, "a bad feed cursor"),
    ]
    for method, path, body, what in errors:
        if isinstance(body, str):
            r = request(method, path, admin, body=body.encode("latin-1"),
                        content_type="application/json")
        else:
            r = request(method, path, admin, body)
        p.check(400 <= r.status < 500, f"{what}: expected a 4xx, got {r!r}")
        p.check(not leaks(r), f"{what}: the answer shows {leaks(r)}: {r!r}")
    # SQL in a search is a search, not SQL.
    base = request("GET", f"{API}/organizations?q=zzzz-no-such-name&limit=500").json()["items"]
    for q in ("%' OR '1'='1", "' OR 1=1 --", "\" OR \"\"=\"", "%", "_"):
        r = request("GET", f"{API}/organizations?q={urllib.parse.quote(q)}&limit=500")
        if p.check(r.status in (200, 400), f"search {q!r}: {r!r}") and r.status == 200:
            if q in ("%", "_"):
                continue
            p.check(len(r.json()["items"]) == len(base),
                    f"search {q!r} finds {len(r.json()['items'])} organizations: SQL injection")


@probe("API4-limits", "resource consumption: page sizes out of the documented 1..max are 400 "
       "naming `limit`, the maximum is served")
def api4_limits(p):
    w = W
    admin = w.tokens["admin"]
    document = request("GET", "/api-docs/openapi.json").json()
    ids = {"/api/v1/cycles/{id}/ratings": w.published_cycle,
           "/api/v1/webhooks/{id}/deliveries": w.webhook}
    tested = 0
    for path, item in document["paths"].items():
        operation = item.get("get")
        if not operation:
            continue
        limit = next((x for x in operation.get("parameters", [])
                      if x.get("name") == "limit" and x.get("in") == "query"), None)
        if limit is None:
            continue
        schema = limit.get("schema", {})
        maximum = schema.get("maximum")
        minimum = schema.get("minimum", 1)
        if not p.check(isinstance(maximum, int),
                       f"{path}: the document states no maximum for `limit`"):
            continue
        concrete = path.replace("{id}", str(ids.get(path, w.cycle)))
        sep = "&" if "?" in concrete else "?"
        p.status(request("GET", f"{concrete}{sep}limit={maximum}", admin), 200,
                 f"{path} with limit={maximum} (the documented maximum)")
        for value in (maximum + 1, 1000000, 2 ** 63, minimum - 1, -1, "abc", "1e3"):
            r = request("GET", f"{concrete}{sep}limit={value}", admin)
            p.problem(r, 400, f"{path} with limit={value}", field="limit")
        tested += 1
    p.check(tested >= 8, f"only {tested} list operations with `limit` found in the document")


def heap_peak_kib():
    if not SERVER_PID:
        return None
    try:
        with open(f"/proc/{SERVER_PID}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


@probe("API4-survey-memory", "resource consumption: hostile survey uploads (a header of 1,000,000 "
       "columns, one line of 100 MB as CSV, as a quoted CSV record and as NDJSON) get 422 with at "
       "most 100 problems in a small body, and the server's peak memory (VmHWM) grows by less than "
       "64 MiB over the ~310 MB they hold")
def api4_survey_memory(p):
    w = W
    upload = f"{API}/cycles/{w.cycle}/evaluations/{w.org_x}/survey-responses"
    # Each file must fit under NOK_UPLOAD_LIMIT to be read at all (security.sh raises it).
    room = UPLOAD_LIMIT - 4096
    line = min(100 * 1000 * 1000, room - len(SURVEY_HEADER) - 8)
    header = ",".join(f"c{i}" for i in range(1_000_000)).encode() + b"\nyes\n"
    files = [
        ("a header of 1,000,000 columns", "text/csv", header),
        (f"one CSV line of {line // 1000000} MB", "text/csv",
         SURVEY_HEADER.encode() + b"y" * line + b"\n"),
        (f"one quoted CSV record of {line // 1000000} MB", "text/csv",
         SURVEY_HEADER.encode() + b'"yes\n' + b"y\n" * (line // 2) + b'"\n'),
        (f"one NDJSON line of {line // 1000000} MB", "application/x-ndjson",
         b"{}\n" + b"y" * line + b"\n"),
    ]
    before = heap_peak_kib()
    head = [f"Authorization: Bearer {w.tokens['operator']}"]
    for label, kind, body in files:
        if not p.check(len(body) <= UPLOAD_LIMIT,
                       f"{label}: {len(body)} bytes do not fit NOK_UPLOAD_LIMIT={UPLOAD_LIMIT}"):
            continue
        r = raw_request("POST", upload, head + [f"Content-Type: {kind}",
                                                f"Content-Length: {len(body)}"],
                        pieces(body, 1 << 20), timeout=120)
        if p.problem(r, 422, label):
            errors = r.json().get("errors", [])
            p.check(len(errors) <= 101, f"{label}: {len(errors)} problems listed")
            p.check(len(r.body) < 16 * 1024, f"{label}: a problem of {len(r.body)} bytes")
        p.check(r.elapsed < 60, f"{label}: answered after {r.elapsed:.1f} s")
    after = heap_peak_kib()
    if p.check(before is not None and after is not None,
               f"the server's peak memory cannot be read from /proc/{SERVER_PID}/status"):
        print(f"      peak RSS (VmHWM) of the server: {before // 1024} MiB before the hostile "
              f"uploads, {after // 1024} MiB after", flush=True)
        # The peak before includes loading the demo data; what the uploads add is what counts.
        grown = (after - before) // 1024
        p.check(grown < 64, f"the server's peak memory grew by {grown} MiB to {after // 1024} MiB")
    p.check(request("GET", f"/api/v1/cycles/{w.cycle}/evaluations/{w.org_x}",
                    w.tokens["operator"]).json().get("survey_responses") is not None,
            "the evaluation is still readable")
    p.status(request("GET", "/health"), 200, "the server still answers")


@probe("API8-hidden-characters", "input: NUL, control, bidi and zero-width characters in JSON "
       "bodies get 401/422 naming the field, never 500 (PostgreSQL cannot store NUL)")
def api8_hidden_characters(p):
    w = W
    r = request("POST", f"{API}/auth/token", json_body={"username": "adm\u0000in",
                                                       "password": "x"})
    p.problem(r, (401, 422), "a login with NUL in the username")
    hook = {"url": "https://hooks.example.org/nok", "event_types": ["*"],
            "secret": "a shared secret of the probe"}
    for field, value in [("url", "https://hooks.example.org/\u0000"),
                         ("secret", "a shared\u0000 secret"),
                         ("url", "https://hooks.example.org/\u202e")]:
        r = request("POST", f"{API}/webhooks", w.tokens["admin"], {**hook, field: value})
        p.problem(r, 422, f"a webhook with {value!r} in {field}", field=field)
    for value in ["Проба\u0085", "Проба\u202eаборП", "Про\u200bба", "Проба\n2", "Проба\u001b[31m"]:
        r = request("POST", f"{API}/regions", w.tokens["admin"], {"code": "98", "name": value})
        p.problem(r, 422, f"a region named {value!r}", field="name")


@probe("API4-bodies", "resource consumption: bodies above the limits get 413 (with and without "
       "Content-Length), deep or huge JSON gets 4xx quickly, and nothing is stored")
def api4_bodies(p):
    w = W
    admin, operator = w.tokens["admin"], w.tokens["operator"]
    before = snapshot()
    big = json.dumps({"full_name": "А" * (BODY_LIMIT // 2 + 1000)}).encode()
    assert len(big) > BODY_LIMIT
    auth = [f"Authorization: Bearer {admin}"]
    json_head = auth + ["Content-Type: application/json"]
    r = raw_request("POST", f"{API}/organizations", json_head + [f"Content-Length: {len(big)}"],
                    pieces(big))
    p.problem(r, 413, "a JSON body above NOK_BODY_LIMIT")
    r = raw_request("POST", f"{API}/organizations", json_head + ["Transfer-Encoding: chunked"],
                    chunked(big))
    p.problem(r, 413, "a chunked JSON body above NOK_BODY_LIMIT")
    r = raw_request("POST", f"{API}/auth/token",
                    ["Content-Type: application/json", f"Content-Length: {len(big)}"], pieces(big))
    p.problem(r, 413, "an anonymous login body above the limit")
    r = raw_request("POST", f"{API}/organizations", json_head + ["Content-Length: 1000000000000"],
                    [b"{}"], timeout=10)
    p.problem(r, 413, "a declared Content-Length of 1 TB, answered without waiting for it")
    merge_head = auth + [f"Content-Type: {MERGE}", "If-Match: *"]
    r = raw_request("PATCH", f"{API}/organizations/{w.org_x}",
                    merge_head + ["Transfer-Encoding: chunked"], chunked(big))
    p.problem(r, 413, "a chunked merge patch above the limit")

    survey = (SURVEY_HEADER + SURVEY_ROW * (UPLOAD_LIMIT // len(SURVEY_ROW) + 100)).encode()
    upload = f"{API}/cycles/{w.cycle}/evaluations/{w.org_x}/survey-responses"
    head = [f"Authorization: Bearer {operator}", "Content-Type: text/csv"]
    r = raw_request("POST", upload, head + [f"Content-Length: {len(survey)}"], pieces(survey))
    p.problem(r, 413, "a survey upload above NOK_UPLOAD_LIMIT")
    r = raw_request("POST", upload, head + ["Transfer-Encoding: chunked"], chunked(survey))
    p.problem(r, 413, "a chunked survey upload above NOK_UPLOAD_LIMIT")

    sheet = ("a,b\n" + "x,y\n" * (IMPORT_LIMIT // 4 + 100)).encode()
    imp = f"{API}/plans/import?organization_id={w.org_x}&year=2025&dry_run=true"
    head = [f"Authorization: Bearer {admin}", "Content-Type: text/csv"]
    r = raw_request("POST", imp, head + [f"Content-Length: {len(sheet)}"], pieces(sheet))
    p.problem(r, 413, "a plan import above 10 MiB")
    r = raw_request("POST", imp, head + ["Transfer-Encoding: chunked"], chunked(sheet))
    p.problem(r, 413, "a chunked plan import above 10 MiB")

    authority = w.tokens["authority"]
    deep_array = "[" * 100000 + "]" * 100000
    deep_object = "{\"a\":" * 50000 + "1" + "}" * 50000
    for name, text in {"100,000 nested arrays": deep_array,
                       "50,000 nested objects": deep_object}.items():
        r = request("POST", f"{API}/organizations", admin, body=text.encode(),
                    content_type="application/json", timeout=20)
        p.problem(r, (400, 422), name)
        p.check(r.elapsed < 5, f"{name}: answered after {r.elapsed:.1f} s")
    wide = {"region_id": w.tula, "year": 2031, "organization_ids": list(range(1, 120001))}
    r = request("POST", f"{API}/cycles", authority, wide, timeout=30)
    p.problem(r, (400, 413, 422), "a cycle of 120,000 organization ids")
    p.check(r.elapsed < 10, f"a cycle of 120,000 organization ids: {r.elapsed:.1f} s")
    long_title = {**plan_body(w.org_x, "П" * 300000)}
    r = request("POST", f"{API}/plans", w.tokens["organization"], long_title)
    p.problem(r, 422, "a plan title of 300,000 characters", field="title")
    many_measures = plan_body(w.org_x, "План с 20 000 мер")
    many_measures["sections"][0]["measures"] = [
        {"title": "м", "deadline": "постоянно"}] * 20000
    r = request("POST", f"{API}/plans", w.tokens["organization"], many_measures, timeout=30)
    p.check(r.status != 0 and r.status < 500, f"a plan of 20,000 measures: {r!r}")
    p.check(r.elapsed < 15, f"a plan of 20,000 measures: {r.elapsed:.1f} s")
    long_query = "q=" + "я" * 20000
    # These two the HTTP layer refuses before the application sees a request: an empty 4xx.
    r = request("GET", f"{API}/organizations?{urllib.parse.quote(long_query, safe='=')}")
    r.protocol_level = True
    p.check(r.status in (400, 414, 431), f"a 120 KB query string: {r!r}")
    r = request("GET", f"{API}/regions", headers={f"X-Probe-{i}": "x" * 100 for i in range(200)})
    r.protocol_level = True
    p.check(r.status in (400, 431), f"200 request headers of 100 bytes: {r!r}")
    p.status(request("GET", "/health"), 200, "the server still answers")
    after = snapshot()
    compare_snapshots(p, before, after)


XLSX_PARTS = {
    "[Content_Types].xml":
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        '</Types>',
    "_rels/.rels":
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        '</Relationships>',
    "xl/workbook.xml":
        '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels":
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
        '</Relationships>',
    "xl/worksheets/sheet1.xml":
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
}


def xlsx(unique_count=1, inflated_text=0):
    """A one-cell XLSX whose shared strings declare `unique_count` strings and whose one string
    is `inflated_text` bytes long (deflated to about a thousandth of that)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for name, text in XLSX_PARTS.items():
            z.writestr(name, text)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                    b'count="%d" uniqueCount="%d"><si><t>' % (unique_count, unique_count))
            block = b"A" * (1 << 20)
            for _ in range(inflated_text >> 20):
                f.write(block)
            f.write(b"x</t></si></sst>")
    return out.getvalue()


@probe("API4-zip-bomb", "resource consumption: an XLSX plan import far under 10 MiB that inflates "
       "to 512 MiB is refused without the server holding it in memory")
def api4_zip_bomb(p):
    w = W
    inflated = 512 << 20
    bomb = xlsx(inflated_text=inflated)
    p.check(len(bomb) < 2 << 20, f"the bomb is {len(bomb)} bytes")
    peak = heap_peak_kib()
    r = request("POST", f"{API}/plans/import?organization_id={w.org_x}&year=2025&dry_run=true",
                w.tokens["organization"], body=bomb,
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                timeout=60)
    p.problem(r, (400, 413, 422), "an XLSX bomb")
    p.check(r.elapsed < 20, f"an XLSX bomb took {r.elapsed:.1f} s")
    after = heap_peak_kib()
    if p.check(peak is not None and after is not None,
               f"the server's peak memory cannot be read from /proc/{SERVER_PID}/status"):
        grown = (after - peak) // 1024
        p.check(grown < 256, f"the server's peak memory grew by {grown} MiB reading an XLSX "
                f"of {len(bomb) // 1024} KiB")
    p.status(request("GET", "/health"), 200, "the server still answers")


@probe("API4-xlsx-counts", "resource consumption: an XLSX whose shared strings claim a trillion "
       "entries is refused, and the server lives on")
def api4_xlsx_counts(p):
    w = W
    kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    path = f"{API}/plans/import?organization_id={w.org_x}&year=2025&dry_run=true"
    control = request("POST", path, w.tokens["organization"], body=xlsx(), content_type=kind)
    p.problem(control, 422, "control: a one-cell XLSX (no plan table in it)")
    for count in (10 ** 12, 2 ** 62):
        r = request("POST", path, w.tokens["organization"], body=xlsx(unique_count=count),
                    content_type=kind, timeout=30)
        p.problem(r, (400, 413, 422), f"an XLSX claiming {count} shared strings")
        health = request("GET", "/health", timeout=5)
        if not p.status(health, 200, f"the server after an XLSX claiming {count} strings"):
            raise SetupError("the server is gone")


@probe("API4-login-throttle", "resource consumption: repeated logins get 429 with Retry-After, "
       "per username from any address and per client address whatever it claims")
def api4_login_throttle(p):
    admin = W.tokens["admin"]
    name = "sec-victim-throttled"
    password = f"victim-{uuid.uuid4().hex[:16]}"
    SECRETS[f"password of {name}"] = password
    if not p.status(request("POST", f"{API}/users", admin,
                            {"username": name, "password": password, "role": "auditor"}),
                    201, f"create {name}"):
        return
    for i in range(LOGIN_LIMIT_PER_USERNAME):
        r = login(name, f"guess-{i}", source="127.0.0.2")
        p.problem(r, 401, f"wrong password {i + 1} of {LOGIN_LIMIT_PER_USERNAME}")
    r = login(name, password, source="127.0.0.2")
    p.problem(r, 429, "the right password after the per-username limit")
    retry = r.header("Retry-After")
    p.check(retry is not None and retry.isdigit() and 1 <= int(retry) <= 60,
            f"Retry-After of the 429: {retry!r}")
    p.problem(login(name, password, source="127.0.0.3"), 429,
              "the right password from another address after the per-username limit")
    p.problem(login(name.upper(), password, source="127.0.0.3"), 429,
              "the same username in capitals")
    p.problem(login(f" {name} ", password, source="127.0.0.3"), 429,
              "the same username with spaces")
    # Per client address: distinct usernames, each with another X-Forwarded-For.
    source = "127.0.0.4"
    refused_at = None
    for i in range(LOGIN_LIMIT_PER_ADDRESS + 5):
        body = {"username": f"sec-spray-{i}", "password": "spray-password-123"}
        r = request("POST", f"{API}/auth/token", json_body=body, source=source,
                    headers={"X-Forwarded-For": f"203.0.113.{i + 1}",
                             "X-Real-IP": f"198.51.100.{i + 1}", "Forwarded": f"for=192.0.2.{i + 1}"})
        if r.status == 429:
            refused_at = i + 1
            p.check(r.header("Retry-After") is not None, "429 without Retry-After")
            p.problem(r, 429, "password spraying from one address")
            break
        p.problem(r, 401, f"spray attempt {i + 1}")
    p.check(refused_at == LOGIN_LIMIT_PER_ADDRESS + 1,
            f"password spraying from one address was refused at attempt {refused_at}, "
            f"not {LOGIN_LIMIT_PER_ADDRESS + 1}")


@probe("API5-function-level", "function level: every non-admin role (and anonymous callers) "
       "gets 403 (401) on user, region, audit and webhook administration and on the steps of "
       "other roles")
def api5_function_level(p):
    w = W
    before = snapshot()
    admin_only = [
        ("GET", "/users", None, None),
        ("POST", "/users", {"username": "sec-escalated", "password": "p" * 16, "role": "admin"},
         None),
        ("GET", f"/users/{w.admin_id}", None, None),
        ("POST", f"/users/{w.admin_id}/deactivate", None, None),
        ("POST", f"/users/{w.admin_id}/password", {"password": "taken-over-" + "x" * 10}, None),
        ("POST", "/regions", {"code": "97", "name": "Самозваный регион"}, None),
        ("PATCH", f"/regions/{w.tula}", {"name": "Переименовано"}, MERGE),
    ]
    for role in ("authority", "operator", "council", "organization", "auditor", None):
        token = w.tokens.get(role)
        who = role or "anonymous"
        expected = 403 if token else 401
        own = [("POST", f"/users/{w.me[role]['user_id']}/password",
                {"password": "my-own-new-password"}, None)] if role else []
        for method, path, body, ctype in admin_only + own:
            r = request(method, API + path, token, body, content_type=ctype,
                        headers={"If-Match": "*"})
            p.problem(r, expected, f"{who}: {method} {path}")
        audit = request("GET", f"{API}/audit-events", token)
        p.problem(audit, 200 if role == "auditor" else expected, f"{who}: GET /audit-events")
        if role not in ("authority",):
            p.problem(request("GET", f"{API}/webhooks", token), expected, f"{who}: GET /webhooks")
            p.problem(request("POST", f"{API}/webhooks", token,
                              {"url": "https://soc71.example.ru/x", "event_types": ["*"]}),
                      expected, f"{who}: POST /webhooks")
    c = w.cycle
    new_cycle = {"region_id": w.tula, "year": 2027, "organization_ids": [w.org_x]}
    org_body = {"region_id": w.tula, "full_name": "Самозваное учреждение", "short_name": "Сам",
                "inn": inn10(710004244), "ogrn": ogrn13(102710004244), "kpp": "710101001",
                "ownership": "state", "service_forms": ["stationary"], "address": "Тула"}
    steps = {
        "organization": [("POST", f"/plans/{w.plan_x}/approve", None, None),
                         ("POST", f"/plans/{w.plan_x}/publish", None, None),
                         ("POST", f"/plans/{w.plan_x}/close", None, None),
                         ("POST", f"/plans/{w.plan_x}/return", None, None),
                         ("POST", "/organizations", org_body, None),
                         ("POST", f"/organizations/{w.org_x}/deactivate", None, None),
                         ("POST", "/cycles", new_cycle, None),
                         ("PUT", f"/cycles/{c}/evaluations/{w.org_x}/inputs", inputs_body(5), None),
                         ("POST", f"/cycles/{c}/proposals", {"criterion": "K1", "text": "x"}, None)],
        "operator": [("POST", "/cycles", new_cycle, None),
                     ("PATCH", f"/cycles/{c}", {"operator_user_ids": []}, MERGE),
                     ("POST", f"/cycles/{c}/publish", None, None),
                     ("POST", f"/cycles/{c}/reopen", None, None),
                     ("POST", f"/cycles/{c}/ratings/approve", {"number": "1", "date": "2024-12-01"},
                      None),
                     ("POST", f"/plans/{w.plan_ya}/reports/{w.report}/accept", None, None,
                      (403, 404)),
                     ("POST", "/organizations", org_body, None)],
        "council": [("POST", "/cycles", new_cycle, None),
                    ("POST", f"/cycles/{c}/publish", None, None),
                    ("PUT", f"/cycles/{c}/evaluations/{w.org_x}/inputs", inputs_body(5), None),
                    ("POST", f"/plans/{w.plan_ya}/close", None, None),
                    ("POST", "/organizations", org_body, None)],
        "authority": [("POST", f"/cycles/{c}/ratings/approve", {"number": "1",
                                                               "date": "2024-12-01"}, None),
                      ("PUT", f"/cycles/{c}/evaluations/{w.org_x}/inputs", inputs_body(5), None),
                      ("POST", f"/cycles/{c}/proposals", {"criterion": "K1", "text": "x"}, None)],
        "auditor": [("POST", "/organizations", org_body, None),
                    ("PATCH", f"/organizations/{w.org_x}", {"website": "https://a.example"},
                     MERGE),
                    ("POST", "/cycles", new_cycle, None),
                    ("PATCH", f"/cycles/{c}", {"operator_user_ids": []}, MERGE),
                    ("POST", f"/cycles/{c}/start-collecting", None, None),
                    ("PUT", f"/cycles/{c}/evaluations/{w.org_x}/inputs", inputs_body(5), None),
                    ("POST", f"/cycles/{c}/proposals", {"criterion": "K1", "text": "x"}, None),
                    ("POST", "/plans", plan_body(w.org_x, "План аудитора"), None),
                    ("PATCH", f"/plans/{w.plan_x}", {"title": "аудитор"}, MERGE),
                    ("POST", f"/plans/{w.plan_ya}/reports", {"period": {"kind": "year",
                                                                        "year": 2027}}, None),
                    ("POST", f"/evaluations/{w.eval_x}/plan-draft", {}, None)],
    }
    for role, items in steps.items():
        for method, path, body, ctype, *expected in items:
            r = request(method, API + path, w.tokens[role], body, content_type=ctype,
                        headers={"If-Match": "*"})
            p.problem(r, expected[0] if expected else 403, f"{role}: {method} {path}")
    # The organization approves neither its own plan nor its own report.
    org, authority = w.tokens["organization"], w.tokens["authority"]
    plan = request("POST", f"{API}/plans", org, plan_body(w.org_x, "План X к утверждению"))
    if p.status(plan, 201, "organization X drafts a plan"):
        plan_id = plan.json()["id"]
        measure = plan.json()["sections"][0]["measures"][0]["id"]
        p.status(request("POST", f"{API}/plans/{plan_id}/submit", org), 200, "and submits it")
        for step in ("approve", "publish", "close"):
            p.problem(request("POST", f"{API}/plans/{plan_id}/{step}", org), 403,
                      f"organization X: {step} its own submitted plan")
        p.status(request("POST", f"{API}/plans/{plan_id}/approve", authority), 200,
                 "control: the authority approves it")
        report = request("POST", f"{API}/plans/{plan_id}/reports", org,
                         {"period": {"kind": "year", "year": 2025}})
        if p.status(report, 201, "organization X reports on it"):
            path = f"{API}/plans/{plan_id}/reports/{report.json()['id']}"
            p.status(request("PUT", f"{path}/entries/{measure}", org,
                             {"execution_info": "выполнено"}, headers={"If-Match": "*"}),
                     200, "organization X fills in its report")
            p.status(request("POST", f"{path}/submit", org), 200, "and submits it")
            p.problem(request("POST", f"{path}/accept", org), 403,
                      "organization X: accept its own report")
            after = request("GET", path, org)
            p.check(after.status == 200 and after.json().get("status") == "submitted",
                    f"the report is no longer submitted: {after!r}")
    p.status(request("GET", f"{API}/auth/me", w.tokens["admin"]), 200,
             "the admin's token still works (its password was not changed)")
    compare_snapshots(p, before, snapshot())


SSRF_REFUSED = [
    "http://127.0.0.1:9/events", "http://localhost/", "http://LOCALHOST:8080/",
    "http://169.254.169.254/latest/meta-data/", "http://[::1]/", "http://10.0.0.1/",
    "http://192.168.1.1/", "http://172.16.0.1/", "http://0.0.0.0/",
    "http://user:pass@127.0.0.1/", "http://example.com@127.0.0.1/",
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/",
    "http://[0:0:0:0:0:ffff:7f00:1]/", "http://[fe80::1]/", "http://[fd00::1]/",
    # The same addresses in the other spellings that URL parsers (WHATWG, as the delivering
    # HTTP client reads them) accept: decimal, hexadecimal, octal, shortened, trailing dots.
    "http://2130706433/", "http://0x7f000001/", "http://0x7f.0.0.1/", "http://0177.0.0.1/",
    "http://127.1/", "http://0/", "http://127.0.0.1./", "http://localhost./",
    "http://2852039166/latest/meta-data/", "http://0251.0376.0251.0376/",
    "http://169.254.169.254.:80/", "http://0xa9fea9fe/", "http://%31%32%37.0.0.1/",
    "http://127.0.0.1\\@example.com/", "http://①②⑦.0.0.1/",
    # The other IANA special-purpose ranges (benchmarking, protocol assignments, reserved,
    # multicast, CGNAT, documentation), IPv4 embedded in IPv6 (mapped, translated, 6to4, NAT64,
    # Teredo), and names local whatever they resolve to (issue 18.4). Names that resolve to
    # such addresses are refused when delivering (tests/api/webhooks.rs).
    "http://198.18.0.1/", "http://192.0.0.1/", "http://240.0.0.1/", "http://224.0.0.1/",
    "http://100.64.0.1/", "http://192.0.2.1/", "http://[ff02::1]/",
    "http://[::ffff:0:127.0.0.1]/", "http://[2002:7f00:1::]/", "http://[64:ff9b::a9fe:a9fe]/",
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/", "http://[2001:db8::1]/",
    "http://metadata.google.internal/computeMetadata/v1/", "http://metadata/",
    "http://printer.local/",
    # Not HTTP at all.
    "file:///etc/passwd", "gopher://127.0.0.1:6379/_INFO", "ftp://example.org/",
    "dict://127.0.0.1:11211/",
]


@probe("API7-ssrf", "server side request forgery: webhook URLs on loopback, private, link-local "
       "and the other special-purpose addresses (in any spelling), local names, or of other "
       "schemes are refused naming `url`")
def api7_ssrf(p):
    admin = W.tokens["admin"]
    ok = request("POST", f"{API}/webhooks", admin,
                 {"url": "https://hooks.example.org/nok", "event_types": ["region.updated"]})
    if p.status(ok, 201, "control: a public https URL is accepted"):
        SECRET_SHOWN_ONCE.add(id(ok))
        request("DELETE", f"{API}/webhooks/{ok.json()['id']}", admin, headers={"If-Match": "*"})
    for url in SSRF_REFUSED:
        r = request("POST", f"{API}/webhooks", admin,
                    {"url": url, "event_types": ["region.updated"]})
        if r.status == 201:
            SECRET_SHOWN_ONCE.add(id(r))
            request("DELETE", f"{API}/webhooks/{r.json()['id']}", admin,
                    headers={"If-Match": "*"})
        p.problem(r, 422, f"webhook URL {url}", field="url")


@probe("API8-misconfiguration", "security misconfiguration: no server version, CORS only for "
       "the configured origin, 405 with Allow for unsupported methods, 415 for other media, "
       "problem+json for errors, private caching of authenticated answers")
def api8_misconfiguration(p):
    w = W
    admin = w.tokens["admin"]
    for path, token in (("/health", None), (f"{API}/regions", None), (f"{API}/users", admin),
                        (f"{API}/no-such-thing", None)):
        r = request("GET", path, token)
        server = r.header("Server")
        p.check(server is None or not re.search(r"\d", server),
                f"{path}: Server header {server!r} tells a version")
        p.check(r.header("X-Powered-By") is None, f"{path}: X-Powered-By {r.header('X-Powered-By')}")
    # CORS
    if p.check(bool(CORS_ORIGIN), "NOK_CORS_ORIGIN is not set"):
        evil = ["https://evil.example", "null", CORS_ORIGIN + ".evil.example",
                CORS_ORIGIN.replace("https://", "https://evil"),
                CORS_ORIGIN.replace("https://", "http://"), CORS_ORIGIN + ":444",
                CORS_ORIGIN.upper()]
        for origin in evil:
            r = request("GET", f"{API}/regions", headers={"Origin": origin})
            allowed = r.header("Access-Control-Allow-Origin")
            p.check(allowed is None, f"GET with Origin {origin!r}: Access-Control-Allow-Origin "
                    f"{allowed!r}")
            p.check(r.header("Access-Control-Allow-Credentials") is None,
                    f"GET with Origin {origin!r}: Access-Control-Allow-Credentials")
            pre = request("OPTIONS", f"{API}/users", headers={
                "Origin": origin, "Access-Control-Request-Method": "GET",
                "Access-Control-Request-Headers": "authorization"})
            p.problem(pre, 403, f"preflight from {origin!r}")
            p.check(pre.header("Access-Control-Allow-Origin") is None,
                    f"preflight from {origin!r} answered with Access-Control-Allow-Origin")
        r = request("GET", f"{API}/regions", headers={"Origin": CORS_ORIGIN})
        p.check(r.header("Access-Control-Allow-Origin") == CORS_ORIGIN,
                f"control: the configured origin gets {r.header('Access-Control-Allow-Origin')!r}")
        pre = request("OPTIONS", f"{API}/users", headers={
            "Origin": CORS_ORIGIN, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization"})
        p.check(pre.status in (200, 204) and
                pre.header("Access-Control-Allow-Origin") == CORS_ORIGIN,
                f"control: a preflight from the configured origin: {pre!r}")
        p.check(pre.header("Access-Control-Allow-Origin") != "*", "a wildcard origin")
    # Methods
    for method, path in (("PUT", f"{API}/organizations"), ("DELETE", f"{API}/regions/{w.tula}"),
                         ("PATCH", f"{API}/users/{w.admin_id}"), ("PUT", f"{API}/auth/token"),
                         ("GET", f"{API}/auth/token"), ("DELETE", f"{API}/audit-events"),
                         ("TRACE", f"{API}/regions"), ("PATCH", f"{API}/plans/import")):
        r = request(method, path, admin)
        if p.problem(r, 405, f"{method} {path}"):
            p.check(bool(r.header("Allow")), f"{method} {path}: 405 without Allow")
    for method in ("TRACE", "TRACK", "CONNECT", "PROPFIND", "FOO"):
        r = request(method, f"{API}/regions", admin)
        p.check(r.status in (400, 404, 405, 501), f"{method} {API}/regions: {r!r}")
        p.check("Bearer" not in r.text, f"{method} echoes the request: {r!r}")
    # Media types
    for ctype, body in (("text/plain", "{\"code\":\"96\",\"name\":\"x\"}"),
                        ("application/x-www-form-urlencoded", "code=96&name=x"),
                        ("application/xml", "<region><code>96</code></region>"),
                        (None, "{\"code\":\"96\",\"name\":\"x\"}")):
        r = request("POST", f"{API}/regions", admin, body=body.encode(), content_type=ctype)
        p.problem(r, 415, f"POST /regions as {ctype}")
    # Unknown routes
    for path in ("/api/v1/admin", "/api/v2/regions", "/api/v1/users/../../../etc/passwd",
                 "/api/v1/debug", "/.env", "/api/v1/organizations/1/../../users", "/actuator"):
        r = request("GET", path, admin)
        p.problem(r, 404, f"GET {path}")
    # Caching: answers for a token are private; errors and token answers are not stored.
    for path in (f"{API}/plans/{w.plan_yd}", f"{API}/users", f"{API}/cycles/{w.cycle}",
                 f"{API}/plans/{w.plan_yd}/export?format=csv",
                 f"{API}/cycles/{w.cycle}/results/export?format=csv&approval=current"):
        r = request("GET", path, admin)
        cache = (r.header("Cache-Control") or "").lower()
        p.check(r.status == 200 and "public" not in cache and
                ("private" in cache or "no-store" in cache),
                f"{path} read with a token: Cache-Control {cache!r}")
        if r.status == 200 and "no-store" not in cache:
            p.check("authorization" in (r.header("Vary") or "").lower(),
                    f"{path}: a cacheable answer for a token without Vary: Authorization")
    r = request("GET", f"{API}/plans/{w.plan_yd}", "garbage")
    p.check("no-store" in (r.header("Cache-Control") or ""),
            f"an error answer: Cache-Control {r.header('Cache-Control')!r}")


def all_answers_check(p):
    for r in list(LOG):
        label = f"{r.method} {r.path[:100]}"
        if r.status == 0:
            p.check(False, f"{label}: no answer ({r.error})")
            continue
        p.check(r.status < 500, f"{label}: {r.status}: {r.text[:300]}")
        if getattr(r, "protocol_level", False) and r.status in (400, 414, 431) and not r.body:
            continue
        if r.status >= 400 and r.method != "HEAD":
            p.check(r.content_type == "application/problem+json",
                    f"{label}: a {r.status} as {r.content_type!r}")
        found = leaks(r)
        p.check(not found, f"{label}: shows {found}")


@probe("API8-query-characters", "NUL and control characters in a query value and a path "
       "segment: 400 naming the parameter on either backend (PostgreSQL cannot store NUL), "
       "never a 5xx (bodies: API8-hidden-characters)")
def api8_query_characters(p):
    for value in ("%00", "a%01b", "%1B%5B31m"):
        r = request("GET", f"{API}/organizations?q={value}")
        p.problem(r, 400, f"anonymous q={value}", field="q")
    r = request("GET", f"{API}/organizations/1%00")
    p.problem(r, (400, 404), "a NUL in a path segment")


@probe("API8-every-answer", "every answer of this run: no 5xx, errors are problem+json, none "
       "shows a password, hash, secret, SQL, driver message, path or stack trace")
def api8_every_answer(p):
    all_answers_check(p)


def main():
    started = time.monotonic()
    try:
        setup()
    except SetupError as e:
        print(f"security: SETUP FAILED: {e}")
        return 2
    results = []
    for name, title, fn in PROBES:
        p = Probe(name, title)
        t0 = time.monotonic()
        try:
            fn(p)
        except SetupError as e:
            p.failures.append(f"could not run: {e}")
        except Exception:  # a probe that breaks is a failed probe, with its traceback
            p.failures.append("the probe broke:\n" + traceback.format_exc())
        took = time.monotonic() - t0
        verdict = "FAIL" if p.failures else "PASS"
        print(f"{verdict}  {name:<22} {p.checks:4d} checks {took:5.1f}s  {title}", flush=True)
        for failure in p.failures[:25]:
            print("      - " + failure.replace("\n", "\n        "))
        if len(p.failures) > 25:
            print(f"      ... and {len(p.failures) - 25} more")
        results.append((name, not p.failures))
    failed = [n for n, ok in results if not ok]
    print()
    print(f"security: {len(results) - len(failed)} passed, {len(failed)} failed "
          f"({sum(1 for _ in LOG)} requests, {time.monotonic() - started:.1f} s)"
          + (f": {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
