-- The clock of record: the master's TIME, in milliseconds. Every node's
-- cutoffs, expiry and future-stamp guard use it, so a node whose own clock
-- is wrong cannot expire other nodes' sessions early or keep its own alive.
-- A test may pin it by passing a time other than '0'.
local function now_ms(pinned)
  if pinned ~= '0' then return tonumber(pinned) end
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
