package redistest

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// EnvServer names the environment variable that gives the path of
// redis-server. When it is set, a server that cannot be started fails the
// test instead of skipping it.
const EnvServer = "ABACUS_REDIS_SERVER"

// Binary returns the path of redis-server: $ABACUS_REDIS_SERVER if set, else
// the result of looking redis-server up in $PATH.
func Binary() (string, error) {
	if path := os.Getenv(EnvServer); path != "" {
		return path, nil
	}
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return "", fmt.Errorf("redistest: redis-server is not installed and %s is not set: %w", EnvServer, err)
	}
	return path, nil
}

// strict reports whether a missing or broken redis-server fails tests rather
// than skipping them: when the environment names the binary or says it is CI.
func strict() bool {
	return os.Getenv(EnvServer) != "" || os.Getenv("CI") == "true"
}

// unavailable ends the test because no server could be started: t.Fatal
// when strict, t.Skip otherwise.
func unavailable(t testing.TB, err error) {
	t.Helper()
	if strict() {
		t.Fatalf("%v", err)
	}
	t.Skipf("%v\n(skipping: run ./scripts/test, which installs redis-server and sets %s)", err, EnvServer)
}
