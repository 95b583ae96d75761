-- Claim a node's entry for a new incarnation of the node.
-- KEYS[1] totals hash, KEYS[2] epochs hash, KEYS[3] retired set
-- ARGV[1] node
-- Returns {epoch, p, n}: the new epoch and the totals stored so far, which
-- the new incarnation continues from. Writes carrying an older epoch are
-- refused from now on. Retrying a claim only bumps the epoch again.
if redis.call('SISMEMBER', KEYS[3], ARGV[1]) == 1 then
  return redis.error_reply('ABACUS_RETIRED node ' .. ARGV[1] .. ' has retired')
end
local epoch = redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
local p = redis.call('HGET', KEYS[1], ARGV[1] .. ':p') or '0'
local n = redis.call('HGET', KEYS[1], ARGV[1] .. ':n') or '0'
return {epoch, p, n}
