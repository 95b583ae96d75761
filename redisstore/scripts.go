package redisstore

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed lua/lib.lua
	luaLib string
	//go:embed lua/claim.lua
	luaClaim string
	//go:embed lua/raise.lua
	luaRaise string
	//go:embed lua/retire.lua
	luaRetire string
	//go:embed lua/event.lua
	luaEvent string
)

var (
	scriptClaim  = redis.NewScript(luaClaim)
	scriptRaise  = redis.NewScript(luaLib + luaRaise)
	scriptRetire = redis.NewScript(luaLib + luaRetire)
	scriptEvent  = redis.NewScript(luaEvent)
	scripts      = []*redis.Script{scriptClaim, scriptRaise, scriptRetire, scriptEvent}
)
