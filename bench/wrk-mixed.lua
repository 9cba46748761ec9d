-- wrk script of bench/mixed.sh: a mix of reads and writes, every answer counted by status.
-- Environment: READ_IDS, WRITE_IDS (comma-separated organization ids: GETs of items go to the
-- first, PATCHes to the second), TOKEN (an admin's bearer token, for the writes and for the
-- reads that learn ETags), RATING (path of a published rating), CYCLE (its cycle, for POSTs of
-- proposals). Per 100 requests: 30 list pages, 20 organizations, 8 region lists, 10 rating pages
-- (anonymous), 22 PATCHes of an organization with If-Match: <the ETag last seen for it> (a GET
-- of it instead while none is known, or after a 412), 10 POSTs of a council proposal.
-- A 412 is expected: 32 connections of a thread share the ETags they have seen, so two of them
-- may PATCH the same organization with the same ETag; the loser re-reads before writing again.
local threads = {}
local created = 0

function setup(thread)
  created = created + 1
  thread:set("tid", created)
  table.insert(threads, thread)
end

local function ids(name)
  local list = {}
  for id in string.gmatch(os.getenv(name) or "", "%d+") do table.insert(list, id) end
  assert(#list > 0, name .. " is empty")
  return list
end

local counters = { "sent_list", "sent_item", "sent_regions", "sent_rating", "sent_patch", "sent_refresh",
  "sent_post", "st_read_200", "st_patch_200", "st_201", "st_304", "st_412", "st_4xx", "st_5xx", "st_other" }

function init(args)
  read_ids, write_ids = ids("READ_IDS"), ids("WRITE_IDS")
  auth = "Bearer " .. assert(os.getenv("TOKEN"), "TOKEN is not set")
  rating, cycle = os.getenv("RATING"), os.getenv("CYCLE")
  for _, c in ipairs(counters) do _G[c] = 0 end
  unexpected = ""  -- the first few answers that are neither 2xx, 304 nor 412
  etags = {}
  n = 0
  -- SEED_OFFSET: bench/instances.sh runs two wrk at once, whose threads must not draw alike.
  seed = tid + (tonumber(os.getenv("SEED_OFFSET")) or 0)
  math.randomseed(seed * 7919 + os.time())
  anonymous = { ["Accept"] = "application/json" }
  authorized = { ["Accept"] = "application/json", ["Authorization"] = auth }
end

function request()
  n = n + 1
  local r = math.random(100)
  if r <= 30 then
    sent_list = sent_list + 1
    return wrk.format("GET", (r <= 20) and "/api/v1/organizations?limit=50" or "/api/v1/organizations?limit=50&active=true", anonymous)
  elseif r <= 50 then
    sent_item = sent_item + 1
    return wrk.format("GET", "/api/v1/organizations/" .. read_ids[math.random(#read_ids)], anonymous)
  elseif r <= 58 then
    sent_regions = sent_regions + 1
    return wrk.format("GET", "/api/v1/regions", anonymous)
  elseif r <= 68 then
    sent_rating = sent_rating + 1
    return wrk.format("GET", rating, anonymous)
  elseif r <= 90 then
    local id = write_ids[math.random(#write_ids)]
    local tag = etags[id]
    if tag == nil then
      sent_refresh = sent_refresh + 1
      return wrk.format("GET", "/api/v1/organizations/" .. id, authorized)
    end
    sent_patch = sent_patch + 1
    return wrk.format("PATCH", "/api/v1/organizations/" .. id, {
      ["Accept"] = "application/json", ["Authorization"] = auth, ["If-Match"] = tag,
      ["Content-Type"] = "application/merge-patch+json",
    }, '{"website":"https://mixed-' .. seed .. '-' .. n .. '.example.ru"}')
  else
    sent_post = sent_post + 1
    return wrk.format("POST", "/api/v1/cycles/" .. cycle .. "/proposals", {
      ["Accept"] = "application/json", ["Authorization"] = auth, ["Content-Type"] = "application/json",
    }, '{"criterion":"K1","text":"Предложение ' .. seed .. '-' .. n .. ' (нагрузочный тест)"}')
  end
end

function response(status, headers, body)
  if status == 200 then
    -- Writes answer Cache-Control: no-store, reads private or public.
    local cc = headers["cache-control"] or headers["Cache-Control"] or ""
    if cc == "no-store" then st_patch_200 = st_patch_200 + 1 else st_read_200 = st_read_200 + 1 end
    local id = string.match(body, '^{"id":(%d+)')
    local tag = headers["etag"] or headers["ETag"]
    if id and tag then etags[id] = tag end
  elseif status == 201 then
    st_201 = st_201 + 1
  elseif status == 304 then
    st_304 = st_304 + 1
  elseif status == 412 then
    st_412 = st_412 + 1
    local id = string.match(body, '"instance":"/api/v1/organizations/(%d+)"')
    if id then etags[id] = nil end  -- re-read it before the next write
  else
    if status >= 500 then st_5xx = st_5xx + 1
    elseif status >= 400 then st_4xx = st_4xx + 1
    else st_other = st_other + 1 end
    if #unexpected < 600 then
      unexpected = unexpected .. status .. ":" .. string.gsub(string.sub(body, 1, 120), "%s", "_") .. ";"
    end
  end
end

function done(summary, latency, requests)
  local total = {}
  for _, c in ipairs(counters) do total[c] = 0 end
  local bad = ""
  for _, t in ipairs(threads) do
    for _, c in ipairs(counters) do total[c] = total[c] + t:get(c) end
    bad = bad .. t:get("unexpected")
  end
  local e = summary.errors
  local line = string.format(
    "BENCH requests=%d duration_us=%d rps=%.2f p50_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout)
  for _, c in ipairs(counters) do line = line .. string.format(" %s=%d", c, total[c]) end
  io.write(line .. "\n")
  if bad ~= "" then io.write("UNEXPECTED " .. bad .. "\n") end
end
