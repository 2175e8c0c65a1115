-- tools/bench.lua: the wrk script of every tools/bench row.
--
-- The row is described by the environment, so one script serves all:
--   BENCH_METHOD        GET (default), PUT, PATCH, POST...
--   BENCH_BODY          request body (sent as application/json), optional
--   BENCH_BODY_FILE     a file whose bytes are the body instead (binary),
--                       sent as BENCH_CTYPE, optional
--   BENCH_HEADERS_FILE  file of "Name: value" lines (credentials), optional;
--                       a file, so tokens stay off command lines
--   BENCH_PATHS_FILE    file of paths, one a line, optional: each request
--                       takes the next one (listing, many-secret reads)
-- At the end one machine-readable line goes to stdout:
--   BENCH <requests> <req/s> <p50 us> <p99 us> <errors>
-- where errors counts non-2xx/3xx answers and socket errors.

local function lines(path)
  local t = {}
  if path and path ~= "" then
    for l in io.lines(path) do
      if l ~= "" then t[#t + 1] = l end
    end
  end
  return t
end

wrk.method = os.getenv("BENCH_METHOD") or "GET"
local body = os.getenv("BENCH_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/json"
end
local body_file = os.getenv("BENCH_BODY_FILE")
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = os.getenv("BENCH_CTYPE")
end
for _, l in ipairs(lines(os.getenv("BENCH_HEADERS_FILE"))) do
  local name, value = l:match("^([^:]+):%s*(.*)$")
  if name then wrk.headers[name] = value end
end

local paths = lines(os.getenv("BENCH_PATHS_FILE"))
local i = 0
if #paths > 0 then
  request = function()
    i = i % #paths + 1
    return wrk.format(nil, paths[i])
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  local errors = e.connect + e.read + e.write + e.status + e.timeout
  io.write(string.format("BENCH %d %.1f %d %d %d\n", summary.requests,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(99), errors))
end
