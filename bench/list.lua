-- wrk: a filtered list (BENCH_QUERY), with the bench token.
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
local q = os.getenv("BENCH_QUERY") or "/api/v1/organisations?country=RU&limit=50"
request = function()
  return wrk.format("GET", q)
end
