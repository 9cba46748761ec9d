"""Uses the client that openapi-python-client generated from openapi/openapi.json (package
`nok_api_client`, on PYTHONPATH from quality/clients.sh): logs in as a demo user and lists every
organization page by page, as a regional system's integrator would. Prints the count.

    python use_client.py BASE_URL USERNAME PASSWORD
"""

import sys

from nok_api_client import AuthenticatedClient, Client
from nok_api_client.api.auth import get_me, issue_token
from nok_api_client.api.organizations import list_organizations
from nok_api_client.models import Me, Organization, PageOrganization, Problem, TokenRequest, TokenResponse
from nok_api_client.types import UNSET


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
    return 0 if organizations else 1


if __name__ == "__main__":
    sys.exit(main())
