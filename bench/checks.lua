-- wrk script for bench/checks.sh: POST /api/v1/checks for random subjects.
-- Arguments: codes file, API key, matter.
local codes = {}
local key, matter
local failures = 0

function init(args)
  for line in io.lines(args[1]) do codes[#codes + 1] = line end
  key = args[2]
  matter = args[3] or "zfcg"
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  local code = codes[math.random(#codes)]
  local body = '{"subject":"' .. code .. '","matter":"' .. matter .. '","purpose":"' .. matter .. '"}'
  return wrk.format("POST", "/api/v1/checks",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end
