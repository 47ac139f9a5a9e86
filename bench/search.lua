-- wrk script: GET /api/v1/subjects?q=… with queries drawn from a file
-- (one query per line), URL-encoded, in random order.
local queries = {}

local function encode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then queries[#queries + 1] = encode(line) end
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000)
end

function request()
  local q = queries[math.random(#queries)]
  return wrk.format("GET", "/api/v1/subjects?q=" .. q .. "&limit=20")
end
