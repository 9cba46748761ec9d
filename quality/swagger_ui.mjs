// Swagger UI in a real browser: Debian's Chromium driven by playwright-core, offline (every
// request that leaves the server under test is aborted and fails the run). Loads /swagger-ui/,
// authorizes with a bearer token, runs "Try it out" → "Execute" on GET /api/v1/organizations and
// expects a 200 in the UI, sent with the token. Saves a screenshot.
//
//   node swagger_ui.mjs BASE_URL TOKEN SCREENSHOT.png
import { chromium } from "playwright-core";

const [base, token, screenshot] = process.argv.slice(2);
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
let listRequest = null;
try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
        offsite.push(url);
        return route.abort();
    });
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    page.on("request", (request) => {
        const url = new URL(request.url());
        if (url.pathname === "/api/v1/organizations" && request.method() === "GET") listRequest = request;
    });

    step(`load ${base}/swagger-ui/`);
    await page.goto(`${base}/swagger-ui/`, { waitUntil: "load" });
    await page.locator(".swagger-ui .info .title").waitFor({ timeout: 30_000 });
    const title = (await page.locator(".swagger-ui .info .title").innerText()).split("\n")[0];
    step(`document loaded: ${title}`);

    step("Authorize: paste the bearer token");
    await page.locator(".swagger-ui .auth-wrapper button.authorize").click();
    const modal = page.locator(".swagger-ui .modal-ux");
    await modal.waitFor();
    // The users' scheme, not the metrics scraper's (`metrics_token`), which the modal also shows.
    const bearer = modal.locator(".auth-container").filter({ hasText: "POST /api/v1/auth/token" });
    await bearer.locator("input").first().fill(token);
    await bearer.locator(".auth-btn-wrapper button.authorize").click();
    await modal.locator(".auth-btn-wrapper button.btn-done, .auth-btn-wrapper button.close-modal").first().click();
    await modal.waitFor({ state: "detached" });

    step("GET /api/v1/organizations: expand, Try it out, Execute");
    const operation = page.locator("#operations-organizations-list_organizations");
    await operation.locator(".opblock-summary").first().click();
    await operation.locator("button.try-out__btn").click();
    await operation.locator("button.execute").click();
    const status = operation.locator(".live-responses-table .response .response-col_status").first();
    await status.waitFor({ timeout: 30_000 });
    const code = (await status.innerText()).trim();
    const body = await operation.locator(".live-responses-table .response-col_description pre").first().innerText();
    await operation.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshot, fullPage: false });
    step(`screenshot: ${screenshot}`);

    const authorization = listRequest ? (await listRequest.allHeaders())["authorization"] ?? "" : "";
    let items = -1;
    try {
        items = JSON.parse(body).items.length;
    } catch {}
    const checks = [
        [code === "200", `the UI shows status ${code} (want 200)`],
        [items > 0, `the UI shows a page of ${items} organizations`],
        [authorization === `Bearer ${token}`, `the request carried the pasted token (${authorization ? "Bearer …" : "none"})`],
        [offsite.length === 0, `requests off the server: ${offsite.length} ${offsite.slice(0, 3).join(" ")}`],
        [pageErrors.length === 0, `page errors: ${pageErrors.length} ${pageErrors.slice(0, 3).join(" | ")}`],
    ];
    for (const [ok, text] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${text}`);
    process.exitCode = checks.every(([ok]) => ok) ? 0 : 1;
} catch (error) {
    console.log(`FAIL ${error.message.split("\n")[0]}`);
    process.exitCode = 1;
} finally {
    await browser.close();
}
