-- Decimal strings, so that totals up to 2^64 stay exact (Lua numbers are
-- doubles). Values are canonical: digits only, no leading zeros.
local function gt(a, b)
  if #a ~= #b then return #a > #b end
  return a > b
end
local function add(a, b)
  local out, carry, i, j = {}, 0, #a, #b
  while i > 0 or j > 0 or carry > 0 do
    local d = carry
    if i > 0 then d = d + string.byte(a, i) - 48; i = i - 1 end
    if j > 0 then d = d + string.byte(b, j) - 48; j = j - 1 end
    out[#out + 1] = string.char(48 + d % 10)
    carry = math.floor(d / 10)
  end
  local s = string.reverse(table.concat(out))
  if s == '' then return '0' end
  return s
end
