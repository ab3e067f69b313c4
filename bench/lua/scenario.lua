-- One benchmark scenario for wrk: requests read from a file, one per line:
--   GET <path>            or   POST <path> <urlencoded body>
-- Each thread starts at its own place in the list and goes round it. Extra headers (cookies,
-- CSRF) come from the environment: BENCH_COOKIE. The X-Galerie-Queries header is averaged.
local requests_file = os.getenv("BENCH_REQUESTS")
local cookie = os.getenv("BENCH_COOKIE") or ""
local threads = {}
local lines = {}
local position = 1
-- Globals, not locals: done() reads them from each thread with thread:get().
queries, counted, bad = 0, 0, 0

for line in io.lines(requests_file) do
  if #line > 0 then table.insert(lines, line) end
end

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  position = ((id or 1) * 7919) % #lines + 1
end

function request()
  local line = lines[position]
  position = position % #lines + 1
  local method, path, body = line:match("^(%S+)%s+(%S+)%s*(.*)$")
  local headers = {}
  if #cookie > 0 then headers["Cookie"] = cookie end
  if method == "POST" then
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    headers["Referer"] = "http://127.0.0.1" .. path
    return wrk.format("POST", path, headers, body)
  end
  return wrk.format("GET", path, headers, nil)
end

function response(status, headers, body)
  local n = tonumber(headers["X-Galerie-Queries"] or headers["x-galerie-queries"])
  if n then queries = queries + n; counted = counted + 1 end
  if status >= 400 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local q, c, b = 0, 0, 0
  for _, thread in ipairs(threads) do
    q = q + (thread:get("queries") or 0)
    c = c + (thread:get("counted") or 0)
    b = b + (thread:get("bad") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "http_4xx_5xx": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, "queries": %d, "counted": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, b,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, q, c))
end
