-- Apply a presence event, last-writer-wins per session: at equal times a
-- logout beats a heartbeat or login.
-- KEYS[1] seen zset (session -> latest login or heartbeat, ms)
-- KEYS[2] gone zset (session -> latest logout, ms)
-- ARGV[1] 'in' (login or heartbeat) or 'out' (logout), ARGV[2] session,
-- ARGV[3] time in ms
local at = tonumber(ARGV[3])
if ARGV[1] == 'out' then
  redis.call('ZADD', KEYS[2], 'GT', at, ARGV[2])
  local seen = redis.call('ZSCORE', KEYS[1], ARGV[2])
  if seen and tonumber(seen) <= at then redis.call('ZREM', KEYS[1], ARGV[2]) end
  return 0
end
local gone = redis.call('ZSCORE', KEYS[2], ARGV[2])
if gone and tonumber(gone) >= at then return 0 end -- a late event of an ended session
redis.call('ZADD', KEYS[1], 'GT', at, ARGV[2])
return 1
