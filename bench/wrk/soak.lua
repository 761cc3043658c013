-- The soak: a weighted mix of reads and writes from clients and staff (bench/run.py fills in
-- REQUESTS below). Counts answers by class so 5xx are told apart from expected 4xx.
local requests = {}
local total_weight = 0
local function add(weight, method, path, token, org, body)
  local headers = {["Authorization"] = "Bearer " .. token}
  if org ~= "" then headers["X-Middag-Organization"] = org end
  if body ~= "" then headers["Content-Type"] = "application/json" end
  total_weight = total_weight + weight
  table.insert(requests, {limit = total_weight, method = method, path = path,
                          headers = headers, body = body ~= "" and body or nil})
end

-- REQUESTS --

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  s2xx, s4xx, s5xx, sother = 0, 0, 0, 0
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local pick = math.random() * total_weight
  for _, r in ipairs(requests) do
    if pick <= r.limit then
      return wrk.format(r.method, r.path, r.headers, r.body)
    end
  end
  local r = requests[#requests]
  return wrk.format(r.method, r.path, r.headers, r.body)
end

function response(status, headers, body)
  if status >= 500 then s5xx = s5xx + 1
  elseif status >= 400 then s4xx = s4xx + 1
  elseif status >= 200 and status < 300 then s2xx = s2xx + 1
  else sother = sother + 1 end
end

function done(summary, latency, requests_)
  local c2, c4, c5, co = 0, 0, 0, 0
  for _, t in ipairs(threads) do
    c2 = c2 + t:get("s2xx"); c4 = c4 + t:get("s4xx")
    c5 = c5 + t:get("s5xx"); co = co + t:get("sother")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d, "connect": %d, "read": %d, "write": %d, ' ..
    '"timeout": %d, "status": %d, "s2xx": %d, "s4xx": %d, "s5xx": %d, "sother": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, latency.max, e.connect, e.read, e.write, e.timeout, e.status,
    c2, c4, c5, co))
end
