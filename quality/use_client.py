"""Uses the client that openapi-python-client generated from openapi/openapi.json (package
`nok_api_client`, on PYTHONPATH from quality/clients.sh) as a regional system's integrator would:
logs in as a demo user, lists every organization page by page, downloads a rating as XLSX
(bytes, checked as a ZIP package), changes an organization with PATCH and If-Match, and uploads
a plan file (CSV) to the plan import (dry run).
Prints the count of organizations.

    python use_client.py BASE_URL USERNAME PASSWORD
"""

import io
import sys
import zipfile

from nok_api_client import AuthenticatedClient, Client
from nok_api_client.api.auth import get_me, issue_token
from nok_api_client.api.cycles import list_cycles
from nok_api_client.api.organizations import get_organization, list_organizations, update_organization
from nok_api_client.api.plans import import_plan
from nok_api_client.api.ratings import export_ratings
from nok_api_client.models import (
    CycleStatus,
    ExportRatingsFormat,
    ImportResult,
    Me,
    Organization,
    OrganizationPatch,
    PageCycle,
    PageOrganization,
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
        uploaded = upload_plan(client, organizations[0])
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
    answer = export_ratings.sync_detailed(cycle.id, client=client, format_=ExportRatingsFormat.XLSX)
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


# A plan in the official form (ПП РФ № 457) as a regional system keeps it: a section heading by
# criterion, then numbered measures.
PLAN_CSV = (
    "№ п/п,Наименование мероприятия,Плановый срок реализации мероприятия,"
    "Ответственный исполнитель (с указанием фамилии, имени, отчества и должности)\r\n"
    "Открытость и доступность информации об организации социальной сферы,,,\r\n"
    "1,Обновить информационные стенды,до 31.12.2019,\"Иванова Мария Петровна, директор\"\r\n"
    "2,Разместить на сайте раздел «Часто задаваемые вопросы»,IV квартал 2019,\"Петров Пётр Петрович, заместитель директора\"\r\n"
)


def upload_plan(client: AuthenticatedClient, organization: Organization) -> bool:
    """POST /plans/import (dry run): a CSV file goes up as bytes, and what would be created
    comes back."""
    body = File(payload=io.BytesIO(PLAN_CSV.encode()), file_name="plan.csv", mime_type="text/csv")
    answer = import_plan.sync_detailed(client=client, body=body, dry_run=True, organization_id=organization.id, year=2019)
    result = expect(answer, ImportResult)
    if result is None:
        return False
    measures = sum(len(section.measures) for section in result.plan.sections)
    print(f"upload: plan of {organization.short_name} for 2019 read from CSV (dry run): {measures} measures")
    return measures == 2


if __name__ == "__main__":
    sys.exit(main())
