-- wrk script: case-item transitions through the API. Each wrk thread takes its own slice of the
-- items listed in $LOAD_ITEMS (one line per item: id version token) and toggles them between
-- suspended and in review, sending the version it expects (optimistic concurrency: a 409 would
-- mean two requests raced on one item, which the slicing prevents).
local threads = {}
local nthreads = tonumber(os.getenv("LOAD_THREADS") or "2")

function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end

function init(args)
  items = {}
  local k = 0
  for line in io.lines(os.getenv("LOAD_ITEMS")) do
    if k % nthreads == tid then
      local id, version, token = line:match("(%d+) (%d+) (%S+)")
      table.insert(items, { id = id, v = tonumber(version), t = token, suspended = false })
    end
    k = k + 1
  end
  n = 0
  bad = 0
  conflicts = 0
  server_errors = 0
end

function request()
  n = n + 1
  local it = items[(n - 1) % #items + 1]
  local body
  if it.suspended then
    body = string.format('{"action":"resume","version":%d}', it.v)
  else
    body = string.format(
      '{"action":"suspend","version":%d,"suspension_reason":"correction","reason":"负载测试：补正材料"}', it.v)
  end
  it.v = it.v + 1
  it.suspended = not it.suspended
  return wrk.format("POST", "/api/v1/cases/" .. it.id .. "/actions",
    { ["Authorization"] = "Bearer " .. it.t, ["Content-Type"] = "application/json" }, body)
end

function response(status, headers, body)
  if status == 409 then conflicts = conflicts + 1 end
  if status >= 500 then server_errors = server_errors + 1 end
  if status ~= 200 then
    bad = bad + 1
    if bad <= 3 then io.stderr:write("status " .. status .. ": " .. body:sub(1, 300) .. "\n") end
  end
end

function done(summary, latency, requests)
  local c409, c5xx = 0, 0
  for _, t in ipairs(threads) do
    c409 = c409 + (t:get("conflicts") or 0)
    c5xx = c5xx + (t:get("server_errors") or 0)
  end
  io.write(string.format(
    'RESULT {"conflicts":%d,"server_errors":%d,"requests":%d,"seconds":%.3f,"non_2xx":%d,"errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    c409, c5xx, summary.requests, summary.duration / 1e6,
    (summary.errors.status or 0), summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
