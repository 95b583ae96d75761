-- Count the active sessions and the users with at least one active session:
-- two ZCOUNTs, O(log n) each, whatever the number of sessions.
-- KEYS[1] seen zset, KEYS[2] users zset
-- ARGV[1] Timeout in ms, ARGV[2] the time to count at in ms ('0': the clock
-- of record)
-- Returns {sessions, users, the time counted at in ms}.
local at = now_ms(ARGV[2])
local cut = '(' .. (at - tonumber(ARGV[1]))
return {
  redis.call('ZCOUNT', KEYS[1], cut, '+inf'),
  redis.call('ZCOUNT', KEYS[2], cut, '+inf'),
  at,
}
