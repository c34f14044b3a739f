-- wrk script for saturation-control.mjs (and load.mjs --client wrk): GET requests to random known users, and a JSON
-- summary line for the caller to parse. Environment: WRK_PATH (a path with {user} and optionally {genre} in it),
-- WRK_USERS, WRK_GENRES, WRK_SEED. The requests are formatted once in init() and cycled. wrk's latency figures fail
-- the checks of saturation-control.mjs on this machine (Little's law, the server's own clock), so the engine
-- benchmark takes its latencies from h2load; this script stays for that check.
local path = os.getenv("WRK_PATH") or "/health/live"
local users = tonumber(os.getenv("WRK_USERS") or "1")
local genres = tonumber(os.getenv("WRK_GENRES") or "1")
local requests = {}
local count = 0
local next_index = 0

function init(args)
  math.randomseed(tonumber(os.getenv("WRK_SEED") or "99"))
  count = 20000
  for k = 1, count do
    local p = path:gsub("{user}", tostring(math.random(0, users - 1))):gsub("{genre}", tostring(math.random(0, genres - 1)))
    requests[k] = wrk.format("GET", p)
  end
end

function request()
  next_index = next_index % count + 1
  return requests[next_index]
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"meanUs":%d,"p50us":%d,"p99us":%d,"p999us":%d,"maxUs":%d,"non2xx":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency.mean, latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.status, e.connect + e.read + e.write + e.timeout))
end
