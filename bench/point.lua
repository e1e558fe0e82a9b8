-- wrk: GET one organisation by a random id in 1..BENCH_N, with the bench token.
local n = tonumber(os.getenv("BENCH_N") or "1000")
local path = os.getenv("BENCH_PATH") or "/api/v1/organisations/"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
local counter = 0
request = function()
  counter = counter + 1
  -- a fixed pseudo-random walk so runs are comparable
  local id = (counter * 2654435761) % n + 1
  return wrk.format("GET", path .. id)
end
