-- wrk script of bench/pg_outage.sh: reads spread over a few paths, every answer counted by
-- status class in 100 ms slots of wall-clock time, so that the script can split the run into
-- phases afterwards. Also counts 503s that are not application/problem+json.
-- Environment: PATHS (space-separated request paths), TIMELINE (file done() writes:
-- "<slot> <2xx> <503> <other> <503 without problem+json>" per line, slot = unix time x 10).
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } nok_timespec;
  int clock_gettime(int clock, nok_timespec *tp);
]]
local ts = ffi.new("nok_timespec")
local function slot()
  ffi.C.clock_gettime(0, ts) -- CLOCK_REALTIME
  return tonumber(ts.tv_sec) * 10 + math.floor(tonumber(ts.tv_nsec) / 1e8)
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for p in string.gmatch(os.getenv("PATHS") or "/ready", "%S+") do table.insert(paths, p) end
  ok, unavailable, other, bare503 = {}, {}, {}, {}
  i = 0
  first_other = ""
end

function request()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1], { ["Accept"] = "application/json" })
end

function response(status, headers, body)
  local s = slot()
  if status >= 200 and status < 300 then
    ok[s] = (ok[s] or 0) + 1
  elseif status == 503 then
    unavailable[s] = (unavailable[s] or 0) + 1
    local ct = headers["content-type"] or headers["Content-Type"] or ""
    if string.sub(ct, 1, 24) ~= "application/problem+json" then bare503[s] = (bare503[s] or 0) + 1 end
  else
    other[s] = (other[s] or 0) + 1
    if #first_other < 400 then
      first_other = first_other .. status .. ":" .. string.gsub(string.sub(body, 1, 100), "%s", "_") .. ";"
    end
  end
end

function done(summary, latency, requests)
  local rows = {}
  local function add(t, k)
    for s, n in pairs(t) do
      rows[s] = rows[s] or { 0, 0, 0, 0 }
      rows[s][k] = rows[s][k] + n
    end
  end
  local others = ""
  for _, t in ipairs(threads) do
    add(t:get("ok"), 1)
    add(t:get("unavailable"), 2)
    add(t:get("other"), 3)
    add(t:get("bare503"), 4)
    others = others .. t:get("first_other")
  end
  local f = assert(io.open(assert(os.getenv("TIMELINE")), "w"))
  local slots = {}
  for s in pairs(rows) do table.insert(slots, s) end
  table.sort(slots)
  for _, s in ipairs(slots) do
    local r = rows[s]
    f:write(string.format("%d %d %d %d %d\n", s, r[1], r[2], r[3], r[4]))
  end
  f:close()
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.2f p50_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max, e.status, e.connect, e.read, e.write, e.timeout))
  if others ~= "" then io.write("OTHER " .. others .. "\n") end
end
