-- One benchmark scenario for wrk: requests read from a file, one per line, each with its weight:
--   <weight>\t GET <path>      or   <weight>\t POST <path> <urlencoded body>
-- (a line without a weight weighs 1). Every request is drawn at random in proportion to its
-- weight (Zipf popularity, written by bench/zipf.py): cumulative weights, binary search, one
-- fixed seed per wrk thread, so a run draws the same sequence each time. Extra headers (cookies,
-- CSRF) come from the environment: BENCH_COOKIE. The X-Galerie-Queries header is averaged, the
-- X-Galerie-Cache header (hit, miss or bypass, on cached pages) counted.
-- BENCH_SELFTEST=<n>: draw n requests in the first thread, print how often each line came out
-- (JSON, in the file's order) and exit without sending anything (tests/bench/test_zipf.py).
local requests_file = os.getenv("BENCH_REQUESTS")
local cookie = os.getenv("BENCH_COOKIE") or ""
local selftest = tonumber(os.getenv("BENCH_SELFTEST") or "")
local threads = {}
local lines, cumulative = {}, {}
local total = 0
local prepared = {}
-- Globals, not locals: done() reads them from each thread with thread:get().
queries, counted, bad = 0, 0, 0
cache_hit, cache_miss, cache_bypass = 0, 0, 0

for raw in io.lines(requests_file) do
  if #raw > 0 then
    local weight, line = raw:match("^([^\t]+)\t(.*)$")
    weight = tonumber(weight)
    if not weight then weight, line = 1, raw end
    if weight > 0 then
      total = total + weight
      table.insert(lines, line)
      table.insert(cumulative, total)
    end
  end
end

-- The index of the first line whose cumulative weight reaches u (0 <= u < total).
local function draw()
  local u = math.random() * total
  local low, high = 1, #cumulative
  while low < high do
    local middle = math.floor((low + high) / 2)
    if cumulative[middle] <= u then low = middle + 1 else high = middle end
  end
  return low
end

local function format(line)
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

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(14 + 7919 * (id or 1))
  if selftest then
    local counts = {}
    for i = 1, #lines do counts[i] = 0 end
    for _ = 1, selftest do
      local i = draw()
      counts[i] = counts[i] + 1
    end
    io.write('{"counts": [' .. table.concat(counts, ", ") .. ']}\n')
    io.flush()
    os.exit(0)
  end
  for i, line in ipairs(lines) do prepared[i] = format(line) end
end

function request()
  return prepared[draw()]
end

function response(status, headers, body)
  local n = tonumber(headers["X-Galerie-Queries"] or headers["x-galerie-queries"])
  if n then queries = queries + n; counted = counted + 1 end
  local cache = headers["X-Galerie-Cache"] or headers["x-galerie-cache"]
  if cache == "hit" then cache_hit = cache_hit + 1
  elseif cache == "miss" then cache_miss = cache_miss + 1
  elseif cache == "bypass" then cache_bypass = cache_bypass + 1 end
  if status >= 400 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local q, c, b, hit, miss, bypass = 0, 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    q = q + (thread:get("queries") or 0)
    c = c + (thread:get("counted") or 0)
    b = b + (thread:get("bad") or 0)
    hit = hit + (thread:get("cache_hit") or 0)
    miss = miss + (thread:get("cache_miss") or 0)
    bypass = bypass + (thread:get("cache_bypass") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d, "http_4xx_5xx": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p95": %d, "p99": %d, "max": %d, "mean": %.1f}, "queries": %d, "counted": %d, ' ..
    '"cache": {"hit": %d, "miss": %d, "bypass": %d}}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout, b,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean, q, c, hit, miss, bypass))
end
