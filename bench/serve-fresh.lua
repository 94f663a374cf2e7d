-- wrk script for bench/serve.mjs scenario (b): every request carries the next pre-signed token, so
-- no verification can be answered from a cache. When the tokens run out the thread stops; wrk would
-- then still divide by the full -d duration, so the script measures its own window (first to last
-- response, monotonic clock via LuaJIT ffi) and done() prints "fresh-tokens: <responses> <seconds>".
-- Args: <path> <tokens-file>.
local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } portcullis_timespec;
  int clock_gettime(int clk_id, portcullis_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("portcullis_timespec")
local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  return tonumber(ts.tv_sec) + tonumber(ts.tv_nsec) / 1e9
end

local threads = {}
function setup(thread)
  table.insert(threads, thread)
end

tokens = {}
path = "/"
i = 0
count = 0
t0 = 0
tlast = 0

function init(args)
  path = args[1]
  for line in io.lines(args[2]) do
    tokens[#tokens + 1] = line
  end
end

function request()
  i = i + 1
  if i > #tokens then
    -- Out of fresh tokens: stop; the few requests still in flight reuse the last one.
    wrk.thread:stop()
    i = #tokens
  end
  return wrk.format("GET", path .. "?token=" .. tokens[i])
end

function response(status, headers, body)
  local t = now()
  if count == 0 then t0 = t end
  count = count + 1
  tlast = t
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("fresh-tokens: %d %.6f\n", thread:get("count"), thread:get("tlast") - thread:get("t0")))
  end
end
