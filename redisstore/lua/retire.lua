-- Retire a node's current incarnation: fold its totals into the ~retired
-- entry and refuse every write of that incarnation and earlier ones, in one
-- atomic step, so they are counted once. Retiring again does nothing until
-- a new incarnation claims the node.
-- KEYS[1] totals hash, KEYS[2] epochs hash
-- ARGV[1] node, ARGV[2] the incarnation's epoch, or '0' for the current one
-- Returns 1 if it retired something, 0 if not; an error if ARGV[2] names an
-- incarnation that is no longer current.
local node = ARGV[1]
local epoch = tonumber(redis.call('HGET', KEYS[2], node) or '0')
if ARGV[2] ~= '0' and tonumber(ARGV[2]) ~= epoch then
  return redis.error_reply('ABACUS_STALE node ' .. node .. ' was claimed by a newer process (epoch ' .. epoch .. ')')
end
local retired = redis.call('HGET', KEYS[2], node .. ':retired')
local p = redis.call('HGET', KEYS[1], node .. ':p')
local n = redis.call('HGET', KEYS[1], node .. ':n')
if retired and tonumber(retired) >= epoch and not p and not n then return 0 end
for _, suffix in ipairs({':p', ':n'}) do
  local v = redis.call('HGET', KEYS[1], node .. suffix) or '0'
  local acc = redis.call('HGET', KEYS[1], '~retired' .. suffix) or '0'
  redis.call('HSET', KEYS[1], '~retired' .. suffix, add(acc, v))
  redis.call('HDEL', KEYS[1], node .. suffix)
end
-- The epoch stays, so that a new incarnation gets a larger one; the token
-- goes, so that a late duplicate of the old claim is not taken for it.
redis.call('HSET', KEYS[2], node .. ':retired', epoch)
redis.call('HDEL', KEYS[2], node .. ':token')
return 1
