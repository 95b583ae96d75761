-- The users index. KEYS[3] owner hash (session -> user of its latest
-- login or heartbeat), KEYS[4] the index zset (every score 0; member = the
-- user's length in three digits, the user, the session: a lexicographic
-- range finds one user's sessions), KEYS[5] users zset (user -> the latest
-- login or heartbeat over the user's sessions that have not logged out).
-- KEYS[1] is the seen zset (session -> latest login or heartbeat, ms).
local function member(user, session)
  return string.format('%03d', #user) .. user .. session
end
-- refresh sets the user's score to the latest of its remaining sessions,
-- or removes the user: O(k log n) for a user with k sessions.
local function refresh(user)
  local p = string.format('%03d', #user) .. user
  local best
  -- Session IDs are UTF-8, which never holds the byte 255.
  for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[4], '[' .. p, '(' .. p .. '\255')) do
    local at = redis.call('ZSCORE', KEYS[1], string.sub(m, #p + 1))
    if at then
      at = tonumber(at)
      if not best or at > best then best = at end
    end
  end
  if best then
    redis.call('ZADD', KEYS[5], best, user)
  else
    redis.call('ZREM', KEYS[5], user)
  end
end
-- forget removes session from the seen zset and the users index.
local function forget(session)
  redis.call('ZREM', KEYS[1], session)
  local user = redis.call('HGET', KEYS[3], session)
  if user then
    redis.call('HDEL', KEYS[3], session)
    redis.call('ZREM', KEYS[4], member(user, session))
    refresh(user)
  end
end
