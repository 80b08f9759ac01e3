-- W1, W3, W5 (and the ceiling): the same GET, the path given in wrk's URL.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
wrk.headers["Accept"] = "application/json"
