-- Claim a node's entry for a new incarnation of the node.
-- KEYS[1] totals hash, KEYS[2] epochs hash, KEYS[3] retired set
-- ARGV[1] node, ARGV[2] the claiming process's token (random, per counter)
-- Returns {epoch, p, n}: the epoch and the totals stored so far, which the
-- new incarnation continues from. Writes carrying an older epoch are refused
-- from now on. A claim is idempotent per token: the same claim executed
-- again (a retry, a duplicate arriving late) returns the epoch it got the
-- first time instead of taking the entry away from its own process.
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then
  return redis.error_reply('ABACUS_RETIRED node ' .. ARGV[1] .. ' has retired')
end
local epoch
if redis.call('HGET', KEYS[2], ARGV[1] .. ':token') == ARGV[2] then
  epoch = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
else
  epoch = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('HSET', KEYS[2], ARGV[1] .. ':token', ARGV[2])
end
local p = redis.call('HGET', KEYS[1], ARGV[1] .. ':p') or '0'
local n = redis.call('HGET', KEYS[1], ARGV[1] .. ':n') or '0'
return {epoch, p, n}
