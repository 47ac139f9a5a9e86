-- wrk script: GET paths drawn at random from a file (one path per line,
-- already URL-encoded).
local paths = {}

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then paths[#paths + 1] = line end
  end
  math.randomseed(os.time() + tonumber(tostring({}):match("0x(%x+)") or "0", 16) % 1000)
end

function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
