-- W6: cycles of POST /api/cart/add/ then POST /api/order/place/, one user per connection.
-- Run with as many threads as connections (one connection each), so thread i is user i
-- and its requests strictly alternate. The step flips on each response rather than each
-- request, because wrk calls request() once more at start-up to check the script.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local ids = read_lines(os.getenv("BENCH_ORDER_PRODUCT_IDS"))
local place_next = false
local token
local address = '{"shipping_address": {"name": "Bench User", "line1": "1 Load Street", ' ..
  '"line2": null, "city": "Bengaluru", "state": "Karnataka", "postal_code": "560001", ' ..
  '"country": "IN", "phone": "+919900000000"}}'

function init(args)
  local tokens = read_lines(os.getenv("BENCH_TOKENS"))
  token = tokens[thread_index % #tokens + 1]
  math.randomseed(2000 + thread_index)
end

local function post(path, body)
  return wrk.format("POST", path, {["Accept"] = "application/json",
    ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

function request()
  if place_next then
    return post("/api/order/place/", address)
  end
  return post("/api/cart/add/",
    string.format('{"product_id": %s, "quantity": 1}', ids[math.random(#ids)]))
end

local count_status = response
function response(status, headers, body)
  count_status(status, headers, body)
  place_next = not place_next
end
