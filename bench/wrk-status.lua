-- wrk reporter for bench/ratings.sh: wrk-report.lua's line, where non2xx= counts every answer
-- whose status is not the expected one (wrk's own counter only sees statuses >= 400): 304 for
-- requests sent with If-None-Match, 200 for the others. Also the mean bytes read per answer.
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  expected = wrk.headers["If-None-Match"] and 304 or 200
  matched, unexpected = 0, 0
end

function response(status, headers, body)
  if status == expected then matched = matched + 1 else unexpected = unexpected + 1 end
end

done = function(summary, latency, requests)
  local m, u = 0, 0
  for _, t in ipairs(threads) do
    m, u = m + t:get("matched"), u + t:get("unexpected")
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d rps=%.2f p50_us=%d p99_us=%d max_us=%d non2xx=%d expected=%d status_%d=%d bytes_per_answer=%.0f connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), latency.max,
    u, threads[1]:get("expected"), threads[1]:get("expected"), m,
    summary.bytes / math.max(summary.requests, 1),
    e.connect, e.read, e.write, e.timeout))
end
