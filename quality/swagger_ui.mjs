// Swagger UI and Redoc in a real browser: Debian's Chromium driven by playwright-core, offline
// (every request that leaves the server under test is aborted and fails the run).
// Swagger UI: the `auth` tag comes first; Authorize logs in with a username and password (the
// OAuth2 password flow form, which posts grant_type=password to /api/v1/auth/token); "Try it
// out" → "Execute" on GET /api/v1/audit-events answers 200, sent with the issued token; after a
// reload the authorization is still there (persistAuthorization) and Execute still answers 200.
// Redoc: /redoc renders the operations from /api-docs/openapi.json with nothing from elsewhere.
// Saves screenshots of both.
//
//   node swagger_ui.mjs BASE_URL USERNAME PASSWORD SCREENSHOT_DIR
import { chromium } from "playwright-core";

const [base, username, password, shots] = process.argv.slice(2);
const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const origin = new URL(base).origin;
const step = (text) => console.error(`[swagger_ui.mjs] ${text}`);

const browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ],
});
const offsite = [];
const pageErrors = [];
const checks = [];
const check = (ok, text) => checks.push([Boolean(ok), text]);

async function newPage(context) {
    const page = await context.newPage();
    await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
        offsite.push(url);
        return route.abort();
    });
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    return page;
}

/// Expands GET /api/v1/audit-events, executes it and answers [status shown, Authorization sent].
async function execute(page) {
    const operation = page.locator("#operations-audit-list_audit_events");
    await operation.waitFor({ timeout: 30_000 });
    const tryOut = operation.locator("button.try-out__btn");
    // After a reload deep linking may have it open already.
    if (!(await tryOut.isVisible())) await operation.locator(".opblock-summary").first().click();
    await tryOut.waitFor({ timeout: 10_000 });
    if ((await tryOut.innerText()).trim() === "Try it out") await tryOut.click();
    const sent = page.waitForRequest(
        (r) => new URL(r.url()).pathname === "/api/v1/audit-events" && r.method() === "GET",
    );
    await operation.locator("button.execute").click();
    const request = await sent;
    const status = operation.locator(".live-responses-table .response .response-col_status").first();
    await status.waitFor({ timeout: 30_000 });
    return [(await status.innerText()).trim(), (await request.allHeaders())["authorization"] ?? ""];
}

let page = null;
try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 1600 } });
    page = await newPage(context);
    step(`load ${base}/swagger-ui/`);
    await page.goto(`${base}/swagger-ui/`, { waitUntil: "load" });
    await page.locator(".swagger-ui .info .title").waitFor({ timeout: 30_000 });
    const firstTag = (await page.locator(".swagger-ui .opblock-tag-section h3").first().getAttribute("data-tag")) ?? "";
    check(firstTag === "auth", `the first tag is "${firstTag}" (want auth)`);

    step("Authorize: username and password in the OAuth2 password flow form");
    await page.locator(".swagger-ui .auth-wrapper button.authorize").click();
    const modal = page.locator(".swagger-ui .modal-ux");
    await modal.waitFor();
    const oauth = modal.locator(".auth-container").filter({ has: page.locator("#oauth_username") });
    await oauth.locator("#oauth_username").fill(username);
    await oauth.locator("#oauth_password").fill(password);
    const login = page.waitForResponse(
        (r) => new URL(r.url()).pathname === "/api/v1/auth/token" && r.request().method() === "POST",
    );
    await oauth.locator(".auth-btn-wrapper button.authorize").click();
    const loginResponse = await login;
    const loginBody = loginResponse.request().postData() ?? "";
    check(loginResponse.status() === 200, `the password grant answered ${loginResponse.status()} (want 200)`);
    check(
        /grant_type=password/.test(loginBody) && (loginResponse.request().headers()["content-type"] ?? "").startsWith("application/x-www-form-urlencoded"),
        "Swagger UI sent a form-encoded grant_type=password",
    );
    const token = (await loginResponse.json()).access_token ?? "";
    // Authorized, the form gives way to the user's name and a Logout button.
    await modal.locator("button", { hasText: "Logout" }).first().waitFor({ timeout: 10_000 });
    await modal.locator("button.close-modal, .auth-btn-wrapper button.btn-done").first().click();
    await modal.waitFor({ state: "detached" });

    step("GET /api/v1/audit-events: Try it out, Execute");
    const [code, authorization] = await execute(page);
    check(code === "200", `Execute shows status ${code} (want 200)`);
    check(token && authorization === `Bearer ${token}`, `the call carried the issued token (${authorization ? "Bearer …" : "none"})`);
    await page.screenshot({ path: `${shots}/swagger-ui.png`, fullPage: false });

    step("reload: still authorized");
    await page.reload({ waitUntil: "load" });
    await page.locator(".swagger-ui .info .title").waitFor({ timeout: 30_000 });
    const [again, kept] = await execute(page);
    check(again === "200" && kept === `Bearer ${token}`, `after a reload Execute shows ${again} with ${kept ? "the token" : "no token"}`);

    step(`load ${base}/redoc`);
    const redoc = await newPage(context);
    page = redoc;
    await redoc.goto(`${base}/redoc`, { waitUntil: "load" });
    await redoc.locator("[data-section-id^='operation/']").first().waitFor({ timeout: 120_000 });
    await redoc.locator("[data-section-id='operation/list_organizations']").waitFor({ state: "attached", timeout: 30_000 });
    const operations = await redoc.locator("[data-section-id^='operation/']").count();
    check(operations > 50, `Redoc renders ${operations} operations`);
    await redoc.screenshot({ path: `${shots}/redoc.png`, fullPage: false });
} catch (error) {
    check(false, error.message.split("\n")[0]);
    if (page) await page.screenshot({ path: `${shots}/swagger-ui-failure.png` }).catch(() => {});
} finally {
    await browser.close();
}
check(offsite.length === 0, `requests off the server: ${offsite.length} ${offsite.slice(0, 3).join(" ")}`);
check(pageErrors.length === 0, `page errors: ${pageErrors.length} ${pageErrors.slice(0, 3).join(" | ")}`);
for (const [ok, text] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${text}`);
process.exitCode = checks.every(([ok]) => ok) ? 0 : 1;
