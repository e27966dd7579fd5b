-- wrk script: GET requests rotating over the paths in $LOAD_PATHS (one per line), with the
-- header in $LOAD_HEADER ("Name: value": a bearer token or a session cookie).
function init(args)
  paths = {}
  for line in io.lines(os.getenv("LOAD_PATHS")) do table.insert(paths, line) end
  local name, value = os.getenv("LOAD_HEADER"):match("([^:]+):%s*(.*)")
  headers = { [name] = value }
  n = 0
end

function request()
  n = n + 1
  return wrk.format("GET", paths[(n - 1) % #paths + 1], headers)
end

function done(summary, latency, requests)
  io.write(string.format(
    'RESULT {"requests":%d,"seconds":%.3f,"non_2xx":%d,"errors":%d,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    summary.requests, summary.duration / 1e6,
    (summary.errors.status or 0), summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
end
