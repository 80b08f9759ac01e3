-- Hooks shared by every workload script (loaded with dofile from BENCH_LUA_DIR).
-- setup() numbers the threads, response() counts statuses per thread and keeps the first
-- body of each error status, and done() merges them and writes one JSON summary to the
-- file named by BENCH_OUT.

local threads = {}
statuses = {}
samples = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
  if (status < 200 or status >= 400) and samples[status] == nil then
    samples[status] = string.sub(body or "", 1, 300)
  end
end

local function json_string(text)
  return '"' .. text:gsub('[%c"\\]', function(c)
    return string.format("\\u%04x", string.byte(c))
  end) .. '"'
end

-- The non-empty lines of a file, as a Lua list. The file is closed at once: wrk sizes
-- each thread's event loop for 10 + 3 x connections descriptors, process-wide numbers,
-- so files left open in every Lua state push sockets past it ("connect" errors).
function read_lines(path)
  local file = assert(io.open(path, "r"), "cannot open " .. tostring(path))
  local lines = {}
  for line in file:lines() do
    if line ~= "" then table.insert(lines, line) end
  end
  file:close()
  assert(#lines > 0, "no lines in " .. path)
  return lines
end

function done(summary, latency, requests)
  local merged, bodies, bad = {}, {}, 0
  for _, thread in ipairs(threads) do
    for code, count in pairs(thread:get("statuses") or {}) do
      merged[code] = (merged[code] or 0) + count
      if code < 200 or code >= 400 then bad = bad + count end
    end
    for code, body in pairs(thread:get("samples") or {}) do
      bodies[code] = bodies[code] or body
    end
  end
  local codes, errors = {}, {}
  for code, count in pairs(merged) do
    table.insert(codes, string.format('"%d": %d', code, count))
  end
  for code, body in pairs(bodies) do
    table.insert(errors, string.format('"%d": %s', code, json_string(body)))
  end
  table.sort(codes)
  table.sort(errors)
  local e = summary.errors
  local out = string.format(
    '{"requests": %d, "duration_us": %d, "bytes": %d, "status_errors": %d, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, ' ..
    '"latency_us": {"p50": %d, "p90": %d, "p99": %d, "max": %d, "mean": %.1f}, ' ..
    '"statuses": {%s}, "error_samples": {%s}}',
    summary.requests, summary.duration, summary.bytes, bad,
    e.connect, e.read, e.write, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, table.concat(codes, ", "), table.concat(errors, ", "))
  local path = os.getenv("BENCH_OUT")
  if path then
    local file = assert(io.open(path, "w"))
    file:write(out)
    file:close()
  end
  io.write("BENCH_RESULT " .. out .. "\n")
end
