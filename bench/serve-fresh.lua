-- wrk script for bench/serve.mjs scenario (b): every request carries the next pre-signed token, so
-- no verification can be answered from a cache. The thread stops when the tokens run out, and wrk
-- then reports the rate over the time actually used. Args: <path> <tokens-file>.
local tokens = {}
local path = "/"
local i = 0

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
