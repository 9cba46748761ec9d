// Type-checked by quality/clients.sh (tsc --noEmit) against build/quality/api.d.ts, the types
// openapi-typescript generates from openapi/openapi.json: what a portal team would write. A change
// of the document that breaks such code (a renamed field, a lost property) fails the check.
import type { components, operations, paths } from "../build/quality/api";

type Schemas = components["schemas"];
type Organization = Schemas["Organization"];
type Plan = Schemas["Plan"];
type Problem = Schemas["Problem"];

// GET /api/v1/organizations: the query parameters and the 200 body.
type ListQuery = NonNullable<operations["list_organizations"]["parameters"]["query"]>;
type ListOk = paths["/api/v1/organizations"]["get"]["responses"][200]["content"]["application/json"];

const query: ListQuery = { limit: 50, region_id: 71, q: "березовского", active: true };

export async function listOrganizations(base: string, token?: string): Promise<Organization[]> {
    const url = new URL("/api/v1/organizations", base);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
    const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
    if (!response.ok) throw new Error(describe((await response.json()) as Problem));
    const page = (await response.json()) as ListOk;
    const next: string | null | undefined = page.next_cursor;
    void next;
    return page.items.map((o) => ({ ...o, short_name: o.short_name.trim() }));
}

// POST /api/v1/auth/token: request and response bodies.
type TokenRequest = NonNullable<operations["issue_token"]["requestBody"]>["content"]["application/json"];
export const login: TokenRequest = { username: "admin", password: "secret" };
export function bearer(t: Schemas["TokenResponse"]): string {
    return `${t.token_type} ${t.access_token}`;
}

// A Plan: status, completion and the measures of its sections.
export function planLine(plan: Plan): string {
    const status: Schemas["PlanStatus"] = plan.status;
    const measures = plan.sections.flatMap((s) => s.measures);
    const overdue = measures.filter((m) => m.overdue).length;
    const percent: string | null | undefined = plan.completion.percent;
    const organization: number | null | undefined = plan.organization_id;
    return `${plan.id} ${plan.title} [${status}] ${percent ?? "—"}% done, ${overdue} overdue, org ${organization ?? "region"}`;
}

// Errors: application/problem+json (RFC 9457) with field errors.
type NotFoundBody = paths["/api/v1/plans/{id}"]["get"]["responses"][404]["content"]["application/problem+json"];
export function describe(problem: Problem | NotFoundBody): string {
    const fields = (problem.errors ?? []).map((e: Schemas["FieldError"]) => `${e.field}: ${e.message}`);
    return [`${problem.status} ${problem.title}: ${problem.detail}`, ...fields].join("\n");
}

const example: Problem = { type: "/problems/not-found", title: "Not found", status: 404, detail: "Plan 7 does not exist" };
export const exampleText = describe(example);

// openapi-fetch over the same types: a portal downloads an export as a Blob (the document states
// it as a binary string, so the body is read as a Blob, not parsed), and reads the audit log's
// changed fields and the feed's resources as their types.
import createClient from "openapi-fetch";

export const api = createClient<paths>({ baseUrl: "https://nok.example.org" });

export async function downloadRatings(cycle: number, token: string): Promise<Blob> {
    const { data, error, response } = await api.GET("/api/v1/cycles/{id}/ratings/export", {
        params: { path: { id: cycle }, query: { format: "xlsx", criterion: "total" } },
        headers: { Authorization: `Bearer ${token}` },
        parseAs: "blob",
    });
    if (error !== undefined) throw new Error(describe(error));
    const blob: Blob = data;
    if (blob.type && !response.headers.get("Content-Type")?.startsWith("application/vnd.openxmlformats")) {
        throw new Error(`not an XLSX file: ${blob.type}`);
    }
    return blob;
}

type Ratings = NonNullable<operations["get_rating"]["parameters"]["query"]>;
// Closed sets are unions of literals: a typo does not type-check.
export const stationary: Ratings = { service_form: "stationary", criterion: "K2" };
// @ts-expect-error "stationery" is not a form of service
export const typo: Ratings = { service_form: "stationery" };

type AuditEvent = Schemas["AuditEvent"];
export function changedFields(event: AuditEvent): string[] {
    const before: Record<string, unknown> = event.before ?? {};
    const after: Record<string, unknown> = event.after ?? {};
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((f) => before[f] !== after[f]);
}

// Narrowed by resource_type, the changes are the resource's own fields.
export function newPlanTitle(event: AuditEvent): string | undefined {
    if (event.resource_type !== "plan") return undefined;
    const changes: Schemas["PlanChanges"] | null = event.after;
    return changes?.title;
}

type FeedEvent = Schemas["FeedEvent"];
export function feedLine(event: FeedEvent): string {
    switch (event.resource_type) {
        case "plan":
            return `plan ${event.resource_id}: ${event.resource?.title ?? "deleted"}`;
        case "organization":
            return `organization ${event.resource_id}: ${event.resource?.inn ?? "deleted"}`;
        default:
            return `${event.event} ${event.resource_id}`;
    }
}
