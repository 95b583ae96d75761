-- The users index. KEYS[3] owner hash (session -> the kind digit, 1 login
-- or 2 heartbeat, and the user of its latest login or heartbeat), KEYS[4]
-- the index zset (every score 0; member = the user's length in three
-- digits, the user, the session: a lexicographic range finds one user's
-- sessions), KEYS[5] users zset (user -> the latest login or heartbeat over
-- the user's sessions that have not logged out). KEYS[1] is the seen zset
-- (session -> latest login or heartbeat, ms).
local function member(user, session)
  return string.format('%03d', #user) .. user .. session
end
-- after reports whether string a sorts after b byte by byte (Lua's own
-- comparison follows the server's locale).
local function after(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x > y end
  end
  return #a > #b
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
-- forget removes session from the seen zset and the users index. With
-- recount, the user's score is recomputed; without (collection of sessions
-- past the horizon), it is left to the ZREMRANGEBYSCORE that follows: a
-- user whose latest session is past the horizon has none left to count.
local function forget(session, recount)
  redis.call('ZREM', KEYS[1], session)
  local owner = redis.call('HGET', KEYS[3], session)
  if owner then
    local user = string.sub(owner, 2)
    redis.call('HDEL', KEYS[3], session)
    redis.call('ZREM', KEYS[4], member(user, session))
    if recount then refresh(user) end
  end
end
