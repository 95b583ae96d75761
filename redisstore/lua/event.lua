-- Apply presence events, last-writer-wins per session as in package
-- presence: the later time wins; at equal times a logout beats a heartbeat,
-- which beats a login, and then the larger user ID (by bytes) wins.
-- KEYS[1] seen zset (session -> latest login or heartbeat, ms)
-- KEYS[2] gone zset (session -> latest logout, ms)
-- KEYS[3..5] the users index (owners.lua)
-- ARGV[1] MaxSkew in ms, ARGV[2] pinned clock ('0': TIME), then per event
-- four: the kind (1 login, 2 heartbeat, 3 logout), session, time in ms,
-- user.
-- Returns the number of events refused: stamped more than MaxSkew ahead of
-- the clock of record. Duplicates and late events change nothing.
local function apply(kind, session, at, user)
  if kind == '3' then
    redis.call('ZADD', KEYS[2], 'GT', at, session)
    local seen = redis.call('ZSCORE', KEYS[1], session)
    if seen and tonumber(seen) <= at then forget(session, true) end
    return
  end
  local gone = redis.call('ZSCORE', KEYS[2], session)
  if gone and tonumber(gone) >= at then return end -- a late event of an ended session
  local seen = redis.call('ZSCORE', KEYS[1], session)
  local owner = redis.call('HGET', KEYS[3], session)
  if seen then
    seen = tonumber(seen)
    if seen > at then return end
    if seen == at and owner then
      local okind = string.sub(owner, 1, 1)
      if okind > kind or (okind == kind and not after(user, string.sub(owner, 2))) then return end
    end
  end
  redis.call('ZADD', KEYS[1], at, session)
  local old = owner and string.sub(owner, 2)
  if owner ~= kind .. user then redis.call('HSET', KEYS[3], session, kind .. user) end
  if old ~= user then
    redis.call('ZADD', KEYS[4], 0, member(user, session))
    if old then
      redis.call('ZREM', KEYS[4], member(old, session))
      refresh(old)
    end
  end
  redis.call('ZADD', KEYS[5], 'GT', at, user)
end
local limit = now_ms(ARGV[2]) + tonumber(ARGV[1])
local refused = 0
for i = 3, #ARGV, 4 do
  local at = tonumber(ARGV[i + 2])
  if at > limit then
    refused = refused + 1
  else
    apply(ARGV[i], ARGV[i + 1], at, ARGV[i + 3])
  end
end
return refused
