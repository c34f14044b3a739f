-- wrk script for load.mjs: GET requests to random known users, and a JSON summary line for the caller to parse.
-- Environment: WRK_PATH (a path with {user} and optionally {genre} in it), WRK_USERS, WRK_GENRES, WRK_SEED.
local path = os.getenv("WRK_PATH") or "/health/live"
local users = tonumber(os.getenv("WRK_USERS") or "1")
local genres = tonumber(os.getenv("WRK_GENRES") or "1")

function init(args)
  math.randomseed(tonumber(os.getenv("WRK_SEED") or "99"))
end

function request()
  local p = path:gsub("{user}", tostring(math.random(0, users - 1))):gsub("{genre}", tostring(math.random(0, genres - 1)))
  return wrk.format("GET", p)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests":%d,"durationUs":%d,"p50us":%d,"p99us":%d,"non2xx":%d,"errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
