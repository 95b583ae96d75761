package redisstore

import (
	_ "embed"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed lua/lib.lua
	luaLib string
	//go:embed lua/clock.lua
	luaClock string
	//go:embed lua/owners.lua
	luaOwners string
	//go:embed lua/claim.lua
	luaClaim string
	//go:embed lua/raise.lua
	luaRaise string
	//go:embed lua/retire.lua
	luaRetire string
	//go:embed lua/event.lua
	luaEvent string
	//go:embed lua/count.lua
	luaCount string
	//go:embed lua/collect.lua
	luaCollect string
	//go:embed lua/sketch.lua
	luaSketch string
)

var (
	scriptClaim   = redis.NewScript(luaClaim)
	scriptRaise   = redis.NewScript(luaLib + luaRaise)
	scriptRetire  = redis.NewScript(luaLib + luaRetire)
	scriptEvent   = redis.NewScript(luaClock + luaOwners + luaEvent)
	scriptCount   = redis.NewScript(luaClock + luaCount)
	scriptCollect = redis.NewScript(luaClock + luaOwners + luaCollect)
	scriptSketch  = redis.NewScript(luaClock + luaSketch)
	scripts       = []*redis.Script{scriptClaim, scriptRaise, scriptRetire, scriptEvent, scriptCount, scriptCollect, scriptSketch}
)
