"""Uses the client that openapi-python-client generated from openapi/openapi.json (package
`nok_api_client`, on PYTHONPATH from quality/clients.sh) as a regional system's integrator would:
logs in as a demo user, lists every organization page by page, downloads a rating as XLSX
(bytes, checked as a ZIP package), changes an organization with PATCH and If-Match, drafts a plan
from an evaluation, exports it as CSV and uploads that file to the plan import (dry run).
Prints the count of organizations.

    python use_client.py BASE_URL USERNAME PASSWORD
"""

import io
import sys
import zipfile

from nok_api_client import AuthenticatedClient, Client
from nok_api_client.api.auth import get_me, issue_token
from nok_api_client.api.cycles import list_cycles
from nok_api_client.api.evaluations import get_evaluation, list_evaluations
from nok_api_client.api.organizations import get_organization, list_organizations, update_organization
from nok_api_client.api.plans import draft_plan_from_evaluation, export_plan, import_plan
from nok_api_client.api.ratings import export_ratings
from nok_api_client.models import (
    CycleStatus,
    Evaluation,
    ImportResult,
    Me,
    Organization,
    OrganizationPatch,
    PageCycle,
    PageEvaluationSummary,
    PageOrganization,
    Plan,
    PlanDraftRequest,
    Problem,
    TokenRequest,
    TokenResponse,
)
from nok_api_client.types import UNSET, File


def main() -> int:
    base, username, password = sys.argv[1:4]
    with Client(base_url=base, raise_on_unexpected_status=True) as anonymous:
        answer = issue_token.sync_detailed(client=anonymous, body=TokenRequest(username=username, password=password))
    token = answer.parsed
    if not isinstance(token, TokenResponse):
        detail = token.detail if isinstance(token, Problem) else answer.content[:200]
        print(f"login as {username} failed: HTTP {answer.status_code}: {detail}")
        return 1
    print(f"logged in as {token.username} ({token.role.value}), token valid for {token.expires_in} s")

    with AuthenticatedClient(base_url=base, token=token.access_token, raise_on_unexpected_status=True) as client:
        me = get_me.sync(client=client)
        assert isinstance(me, Me) and me.username == username, me
        organizations: list[Organization] = []
        cursor = UNSET
        pages = 0
        while True:
            page = list_organizations.sync(client=client, limit=7, cursor=cursor)
            if not isinstance(page, PageOrganization):
                print(f"listing organizations failed: {page!r}")
                return 1
            pages += 1
            organizations.extend(page.items)
            if not page.next_cursor:
                break
            cursor = page.next_cursor
        assert all(isinstance(o, Organization) and o.inn for o in organizations)
        assert len({o.id for o in organizations}) == len(organizations), "a page repeated an organization"
        print(f"organizations: {len(organizations)} in {pages} pages of at most 7, e.g. {organizations[0].short_name}")
        exported = export_xlsx(client)
        patched = patch_organization(client, organizations[0].id)
        uploaded = upload_plan(client)
    return 0 if organizations and exported and patched and uploaded else 1


def expect(answer, kind):
    """The parsed body of `answer` if it is a `kind`; else prints the problem and returns None."""
    if isinstance(answer.parsed, kind):
        return answer.parsed
    detail = answer.parsed.detail if isinstance(answer.parsed, Problem) else answer.content[:300]
    print(f"expected {kind.__name__}, got HTTP {answer.status_code}: {detail}")
    return None


def published_cycle(client: AuthenticatedClient):
    cycles = expect(list_cycles.sync_detailed(client=client, limit=100), PageCycle)
    return next(c for c in cycles.items if c.status == CycleStatus.PUBLISHED)


def export_xlsx(client: AuthenticatedClient) -> bool:
    """GET …/ratings/export?format=xlsx: the body comes as bytes, a valid XLSX (a ZIP package)."""
    cycle = published_cycle(client)
    answer = export_ratings.sync_detailed(cycle.id, client=client, format_="xlsx")
    file = expect(answer, File)
    if file is None:
        return False
    data = file.payload.read()
    assert data[:4] == b"PK\x03\x04", f"not a ZIP package: {data[:16]!r}"
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
    assert "[Content_Types].xml" in names and any(n.startswith("xl/worksheets/") for n in names), names
    print(f"export: ratings of cycle {cycle.id} as XLSX, {len(data)} bytes, {len(names)} parts")
    return True


def patch_organization(client: AuthenticatedClient, organization_id: int) -> bool:
    """PATCH /organizations/{id} with the ETag of a GET as If-Match (a JSON merge patch)."""
    read = get_organization.sync_detailed(organization_id, client=client)
    if expect(read, Organization) is None:
        return False
    website = f"https://example.org/organizations/{organization_id}"
    answer = update_organization.sync_detailed(
        organization_id, client=client, body=OrganizationPatch(website=website), if_match=read.headers["ETag"]
    )
    changed = expect(answer, Organization)
    if changed is None:
        return False
    assert changed.website == website, changed.website
    print(f"patch: organization {organization_id} website {changed.website}")
    return True


def upload_plan(client: AuthenticatedClient) -> bool:
    """Drafts a plan from an evaluation, exports it as CSV and uploads the file to the plan
    import (dry run): the bytes go up as they came down."""
    cycle = published_cycle(client)
    evaluations = expect(list_evaluations.sync_detailed(cycle.id, client=client, limit=1), PageEvaluationSummary)
    evaluation = expect(get_evaluation.sync_detailed(cycle.id, evaluations.items[0].organization_id, client=client), Evaluation)
    plan = expect(
        draft_plan_from_evaluation.sync_detailed(evaluation.id, client=client, body=PlanDraftRequest()), Plan
    )
    if plan is None:
        return False
    exported = expect(export_plan.sync_detailed(plan.id, client=client, format_="csv"), File)
    if exported is None:
        return False
    csv = exported.payload.read()
    answer = import_plan.sync_detailed(
        client=client,
        body=File(payload=io.BytesIO(csv), file_name="plan.csv", mime_type="text/csv"),
        dry_run=True,
        organization_id=plan.organization_id if plan.organization_id is not None else UNSET,
        region_id=plan.region_id,
        year=plan.year,
    )
    result = expect(answer, ImportResult)
    if result is None:
        return False
    print(f"upload: plan {plan.id} exported as CSV ({len(csv)} bytes) and imported (dry run): {result.to_dict().keys()}")
    return True


if __name__ == "__main__":
    sys.exit(main())
