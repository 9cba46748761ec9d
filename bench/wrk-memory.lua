-- wrk script for bench/memory.sh: sends WRK_BODY as a JSON POST when it is set (the login), and
-- prints one line after the run with the answers counted by status class, so that a run whose
-- answers were errors (which allocate little) is seen as such.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  local body = os.getenv("WRK_BODY")
  if body and body ~= "" then
    wrk.method = "POST"
    wrk.body = body
    wrk.headers["Content-Type"] = "application/json"
  end
  ok, bad = 0, 0
end

function response(status, headers, body)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end

done = function(summary, latency, requests)
  local o, b = 0, 0
  for _, t in ipairs(threads) do
    o, b = o + t:get("ok"), b + t:get("bad")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d rps=%.2f p99_us=%d ok=%d bad=%d bytes_per_answer=%.0f errors=%d\n",
    summary.requests, summary.requests / (summary.duration / 1e6), latency:percentile(99),
    o, b, summary.bytes / math.max(summary.requests, 1),
    e.connect + e.read + e.write + e.timeout))
end
