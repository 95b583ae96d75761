-- Apply a presence event, last-writer-wins per session: at equal times a
-- logout beats a heartbeat or login, and of two users claiming one session
-- at one time the larger ID wins (as in package presence).
-- KEYS[1] seen zset (session -> latest login or heartbeat, ms)
-- KEYS[2] gone zset (session -> latest logout, ms)
-- KEYS[3..5] the users index (owners.lua)
-- ARGV[1] 'in' (login or heartbeat) or 'out' (logout), ARGV[2] session,
-- ARGV[3] time in ms, ARGV[4] user, ARGV[5] MaxSkew in ms, ARGV[6] pinned
-- clock ('0': TIME)
-- Returns 1 if the event changed the session, 0 if not (a duplicate or a
-- late event), -1 if it was refused: stamped more than MaxSkew ahead of the
-- clock of record.
local at = tonumber(ARGV[3])
if at > now_ms(ARGV[6]) + tonumber(ARGV[5]) then return -1 end
local session, user = ARGV[2], ARGV[4]
if ARGV[1] == 'out' then
  redis.call('ZADD', KEYS[2], 'GT', at, session)
  local seen = redis.call('ZSCORE', KEYS[1], session)
  if seen and tonumber(seen) <= at then
    forget(session)
    return 1
  end
  return 0
end
local gone = redis.call('ZSCORE', KEYS[2], session)
if gone and tonumber(gone) >= at then return 0 end -- a late event of an ended session
local seen = redis.call('ZSCORE', KEYS[1], session)
local owner = redis.call('HGET', KEYS[3], session)
if seen then
  seen = tonumber(seen)
  if seen > at or (seen == at and owner and owner >= user) then return 0 end
end
redis.call('ZADD', KEYS[1], at, session)
if owner ~= user then
  redis.call('HSET', KEYS[3], session, user)
  redis.call('ZADD', KEYS[4], 0, member(user, session))
  if owner then
    redis.call('ZREM', KEYS[4], member(owner, session))
    refresh(owner)
  end
end
redis.call('ZADD', KEYS[5], 'GT', at, user)
return 1
