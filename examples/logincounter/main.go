// Command logincounter runs the login-counter case study end to end: several
// simulated service nodes send login, heartbeat and logout traffic for a pool
// of users, each node counting through its own redisstore.Store against one
// shared Redis, and the program prints, as it runs, what Redis says next to
// what an exact in-process model of every event says: logins, active
// sessions, distinct users, and how stale the nodes' view is.
//
//	go run ./examples/logincounter                  # a private redis-server
//	go run ./examples/logincounter -redis localhost:6379 -nodes 5
//
// Run it with -help for the flags and the meaning of each column, and see
// README.md in this directory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"os/signal"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"
)

func main() {
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	redis.SetLogger(redisLogger{})
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		// After the first signal the program winds down (a last sync and the
		// summary); a second one kills it at once.
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	switch {
	case err == nil:
	case errors.Is(err, errUsage):
		fmt.Fprintf(os.Stderr, "logincounter: %v\nRun 'go run ./examples/logincounter -help' for usage.\n", err)
		os.Exit(2)
	default:
		fmt.Fprintf(os.Stderr, "logincounter: %v\n", err)
		os.Exit(1)
	}
}

// redisLogger sends go-redis's own messages (such as every failed dial) to
// slog at debug level: the stores already log sync failures, once when they
// start, every minute while they last and when they end.
type redisLogger struct{}

func (redisLogger) Printf(ctx context.Context, format string, v ...any) {
	slog.DebugContext(ctx, "go-redis: "+fmt.Sprintf(format, v...))
}

// errUsage is wrapped by errors about the command line (exit status 2).
var errUsage = errors.New("usage")

// errMismatch is wrapped by the error run returns when the final check finds
// Redis disagreeing with the exact model (exit status 1).
var errMismatch = errors.New("logins, active sessions or users online in Redis differ from the exact model")

// config is the parsed command line.
type config struct {
	redisAddr   string        // "" starts a private redis-server
	redisServer string        // the binary for that
	nodes       int           // simulated service nodes
	users       int           // size of the user pool
	rate        float64       // target events per second per node
	duration    time.Duration // 0: until interrupted
	interval    time.Duration // store flush interval
	report      time.Duration // print period
	timeout     time.Duration // session timeout
	prefix      string        // Redis key prefix
	keep        bool          // keep this run's keys in a shared Redis
	defPrefix   bool          // prefix is the generated default
}

// validName is what redisstore accepts as a prefix.
var validName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,128}$`)

const usageText = `Usage: go run ./examples/logincounter [flags]

logincounter simulates several service nodes that count logins and track who
is online through one shared Redis, with package redisstore. Each node counts
locally and syncs with Redis in the background every -interval; users log in,
send a heartbeat every third of -timeout, and log out, or just vanish (a
closed tab, a crash) and time out. An in-process model sees every event the
moment it happens: it is the truth that Redis is compared with.

Every -report it prints one line:

  elapsed          time since the traffic started
  logins           logins counted in Redis (the sum of the nodes' synced
                   totals) | the exact number of logins so far
  active sessions  sessions online according to Redis (ZCOUNT of the recent
                   logins and heartbeats) | the exact model
  users online     users with at least one session online, according to
                   Redis (ZCOUNT of each user's latest live session) | the
                   exact model
  distinct users   users seen since the start: HyperLogLog estimate in Redis
                   (PFCOUNT) | the exact number
  expired          sessions that vanished without a logout and timed out
  stale            the oldest node's time since its last successful sync:
                   how far behind Redis may be
  errors           failed syncs over all nodes (they are retried; nothing is
                   lost)

Redis trails the exact numbers by up to one sync interval. On exit (after
-duration, or on Ctrl-C) the traffic stops, every node syncs a last time and a
summary checks that Redis agrees with the model: logins exactly, active
sessions and users online exactly, distinct users within HyperLogLog error.
The exit status is 1 if logins, active sessions or users online differ. Logs go to stderr, the report to stdout.

Examples:

  go run ./examples/logincounter -duration 10s
  go run ./examples/logincounter -redis localhost:6379 -nodes 5 -duration 0

Flags:
`

// parseFlags parses args. It returns flag.ErrHelp after writing the usage to
// stdout for -help, and errors wrapping errUsage for bad arguments.
func parseFlags(args []string, stdout io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("logincounter", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; -help prints below
	fs.StringVar(&c.redisAddr, "redis", "", "`host:port` of the Redis to use; empty starts a private redis-server on a free\nloopback port (no persistence, in a temporary directory, killed at exit)")
	fs.StringVar(&c.redisServer, "redis-server", "redis-server", "the redis-server `binary` to start when -redis is empty (looked up in $PATH)")
	fs.IntVar(&c.nodes, "nodes", 3, "simulated service `nodes`, each with its own Redis client and store")
	fs.IntVar(&c.users, "users", 2000, "`number` of distinct users that log in; a user may have several sessions")
	fs.Float64Var(&c.rate, "rate", 2000, "target `events` (logins, heartbeats, logouts) per second per node; logins arrive at\na steady rate chosen so that the traffic reaches it once sessions have built up")
	fs.DurationVar(&c.duration, "duration", 30*time.Second, "how long to run; 0 runs until interrupted (Ctrl-C)")
	fs.DurationVar(&c.interval, "interval", time.Second, "how often each node syncs with Redis (the store's flush interval)")
	fs.DurationVar(&c.report, "report", time.Second, "how often to print a line")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "session timeout: a session without a heartbeat for this long is no longer\nactive; heartbeats come every third of it")
	fs.StringVar(&c.prefix, "prefix", "", "Redis key `prefix`; the default, logincounter-<time>-<pid>, is new for every run,\nso that runs against a shared Redis never mix. A prefix whose keys already\nexist is refused")
	fs.BoolVar(&c.keep, "keep", false, "with -redis, leave this run's keys in Redis at exit (by default they are deleted)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, usageText)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return c, err
		}
		return c, fmt.Errorf("%w: %w", errUsage, err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("%w: unexpected arguments %q", errUsage, fs.Args())
	}
	if c.prefix == "" {
		c.prefix = fmt.Sprintf("logincounter-%s-%d", time.Now().Format("20060102-150405"), os.Getpid())
		c.defPrefix = true
	}
	var bad []string
	check := func(ok bool, msg string, a ...any) {
		if !ok {
			bad = append(bad, fmt.Sprintf(msg, a...))
		}
	}
	check(c.nodes >= 1 && c.nodes <= 1000, "-nodes %d: want 1 to 1000", c.nodes)
	check(c.users >= 1 && c.users <= 1e8, "-users %d: want 1 to 100000000", c.users)
	check(c.rate*c.interval.Seconds() <= 1e8, "-rate × -interval %v: want at most 1e8 events buffered per node between syncs", c.rate*c.interval.Seconds())
	check(c.rate > 0 && c.rate <= 1e7, "-rate %v: want more than 0 and at most 1e7 events per second", c.rate)
	check(c.duration >= 0, "-duration %v: want 0 (until interrupted) or more", c.duration)
	check(c.interval > 0, "-interval %v: want more than 0", c.interval)
	check(c.report > 0, "-report %v: want more than 0", c.report)
	check(c.timeout >= 100*time.Millisecond, "-timeout %v: want at least 100ms", c.timeout)
	check(validName.MatchString(c.prefix), "-prefix %q: want 1 to 128 of A-Z a-z 0-9 _ . -", c.prefix)
	check(c.redisAddr != "" || c.redisServer != "", "-redis-server is empty")
	if len(bad) > 0 {
		return c, fmt.Errorf("%w: %s", errUsage, strings.Join(bad, "; "))
	}
	return c, nil
}

// run is the whole program: it parses args, sets up Redis and the nodes,
// runs the traffic and the report until the duration ends or ctx is done,
// then syncs every node a last time and prints the final check to stdout.
// It returns an error wrapping errMismatch if the check fails.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	cfg, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	if err != nil {
		return err
	}
	log := slog.Default()

	addr, private := cfg.redisAddr, ""
	if addr == "" {
		srv, err := startRedis(ctx, cfg.redisServer)
		if err != nil {
			return err
		}
		defer srv.stop()
		addr, private = srv.addr, " (private redis-server, gone at exit)"
		log.Info("started a private redis-server", "addr", addr, "dir", srv.dir)
	}

	s, err := newSim(cfg, addr, log)
	if err != nil {
		return err
	}
	defer s.close()
	version, err := s.prepare(ctx)
	if err != nil {
		return err
	}
	if cfg.redisAddr != "" && !cfg.keep {
		defer s.deleteKeys(context.WithoutCancel(ctx))
	}

	fmt.Fprintf(stdout, "logincounter: %d nodes, %s users; per node %s logins/s, %s events/s once sessions have built up (~%v)\n",
		cfg.nodes, group(int64(cfg.users)), group(int64(math.Round(s.loginRate))), group(int64(cfg.rate)), maxLife(cfg.timeout))
	fmt.Fprintf(stdout, "sessions: timeout %v, heartbeat every %v, %d%% vanish without a logout; each node syncs every %v\n",
		cfg.timeout, s.heartbeat.Round(time.Millisecond), int(100*vanishShare), cfg.interval)
	fmt.Fprintf(stdout, "redis %s at %s%s, keys %s:*\n", version, addr, private, cfg.prefix)
	fmt.Fprintf(stdout, "redis = what Redis holds now; exact = a model that sees every event at once\n\n")

	traffic := ctx
	if cfg.duration > 0 {
		var cancel context.CancelFunc
		traffic, cancel = context.WithTimeout(ctx, cfg.duration)
		defer cancel()
	}
	s.run(traffic, stdout)
	if ctx.Err() != nil {
		fmt.Fprintln(stdout, "interrupted")
	}
	return s.finish(context.WithoutCancel(ctx), stdout)
}
