-- W4: GET /api/cart/ as the benchmark users (BENCH_TOKENS, one access token a line).
-- wrk does not say which connection a request goes to, so with one thread the tokens
-- rotate per request: every user is read equally often, a few at once.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local prepared, turn = {}, 0

function init(args)
  for i, token in ipairs(read_lines(os.getenv("BENCH_TOKENS"))) do
    prepared[i] = wrk.format("GET", "/api/cart/",
      {["Accept"] = "application/json", ["Authorization"] = "Bearer " .. token})
  end
end

function request()
  turn = turn % #prepared + 1
  return prepared[turn]
end
