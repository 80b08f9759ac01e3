-- Hooks shared by every workload script (loaded with dofile from BENCH_LUA_DIR).
-- setup() numbers the threads, response() counts statuses per thread, and done()
-- merges the counts and writes one JSON summary to the file named by BENCH_OUT.

local threads = {}
statuses = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

-- The non-empty lines of a file, as a Lua list.
function read_lines(path)
  local lines = {}
  for line in assert(io.open(path, "r"), "cannot open " .. tostring(path)):lines() do
    if line ~= "" then table.insert(lines, line) end
  end
  assert(#lines > 0, "no lines in " .. path)
  return lines
end

function done(summary, latency, requests)
  local merged, bad = {}, 0
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses") or {}) do
      merged[code] = (merged[code] or 0) + count
      if code < 200 or code >= 400 then bad = bad + count end
    end
  end
  local codes = {}
  for code, count in pairs(merged) do
    table.insert(codes, string.format('"%d": %d', code, count))
  end
  table.sort(codes)
  local e = summary.errors
  local out = string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"statuses": {%s}}',
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(codes, ", "))
  local path = os.getenv("BENCH_OUT")
  if path then
    local file = assert(io.open(path, "w"))
    file:write(out)
    file:close()
  end
  io.write("BENCH_RESULT " .. out .. "\n")
end
