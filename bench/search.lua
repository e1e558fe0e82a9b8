-- wrk: GET /api/v1/search?q=<two words> (top 20), cycling through a fixed list; as the
-- bench officer when BENCH_TOKEN is set, anonymous (no Authorization header) when empty.
--
-- The words are from bench/gen's documents (bench/search/corpus.c, seed 20161213): two
-- mid-frequency words (Zipf rank 100–2,400 of 40,000; DESIGN §8 asks for 100–10,000)
-- that occur together in one of the first 410 documents, so every query finds at least
-- that document at any BENCH_DOCS ≥ 410; in the first 5,000 documents each pair is in
-- 1–16 texts. The first word is in its dictionary form, the second in an inflected form
-- (Russian case, English plural or past tense), as people type them. Ranks in brackets.
local queries = {
  "прибера векришиде",          -- 114, 486
  "звахурать шигасе",           -- 106, 253
  "крокрам блибому",            -- 150, 790
  "прислипуна зучебломает",     -- 161, 772
  "прогишукать гефакает",       -- 320, 2112
  "бегрехамый звуфусе",         -- 570, 1741
  "лухер стеричунает",          -- 127, 2177
  "звазакрота гределу",         -- 121, 2319
  "raflist staidrairs",         -- 118, 337
  "defeast cleaclooded",        -- 108, 296
  "flaserur doostards",         -- 154, 916
  "maiborear plainaired",       -- 151, 740
  "toohairad huplits",          -- 290, 1524
  "feloont hopurded",           -- 308, 1527
  "brupoovent reageals",        -- 111, 2039
  "brepud vaflairs",            -- 100, 2078
}

local function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local paths = {}
for i, q in ipairs(queries) do
  paths[i] = "/api/v1/search?q=" .. urlencode(q)
end

local token = os.getenv("BENCH_TOKEN") or ""
if token ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. token
end

-- Each thread starts at its own place in the list, so the threads do not ask in lockstep.
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("start", counter * 7)
end

local n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[((start or 0) + n) % #paths + 1])
end
