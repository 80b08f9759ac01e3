-- W2: GET /api/products/<id>/ for a random id among the seeded ones (BENCH_PRODUCT_IDS,
-- one id a line); each thread has its own fixed random seed, so runs repeat.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local ids = read_lines(os.getenv("BENCH_PRODUCT_IDS"))

function init(args)
  math.randomseed(1000 + thread_index)
end

function request()
  local path = "/api/products/" .. ids[math.random(#ids)] .. "/"
  return wrk.format("GET", path, {["Accept"] = "application/json"})
end
