package demo

import (
	"context"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// load sends requests to the service at a steady rate: mostly API calls, and
// for each simulated user a session that logs in, sends heartbeats and logs
// out.
type load struct {
	cfg    Config
	base   string
	log    *slog.Logger
	client *http.Client
	rnd    *rand.Rand
	users  []user
}

type user struct {
	name, session string
	online        bool
	next          time.Time // when the user acts next
	logins        int
}

func newLoad(cfg Config, base string, log *slog.Logger) *load {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, IdleConnTimeout: 30 * time.Second}
	l := &load{
		cfg: cfg, base: base, log: log,
		client: &http.Client{Transport: tr, Timeout: 15 * time.Second},
		rnd:    rand.New(rand.NewPCG(rand.Uint64(), 2)),
	}
	now := time.Now()
	for i := range cfg.Users {
		l.users = append(l.users, user{name: "user-" + strconv.Itoa(i), next: now.Add(time.Duration(l.rnd.Int64N(int64(20 * time.Second))))})
	}
	return l
}

// run sends requests until ctx ends, at cfg.Rate on average: every tick it
// sends as many as the time since the start calls for (a token bucket, so a
// late tick catches up), each on a goroutine of its own, up to a bound, so
// that a slow service sheds load instead of piling it up.
func (l *load) run(ctx context.Context) {
	defer l.client.CloseIdleConnections()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	sem := make(chan struct{}, 256)
	defer func() { // wait for the requests in flight
		for range cap(sem) {
			sem <- struct{}{}
		}
	}()
	start := time.Now()
	var sent, dropped int64
	defer func() {
		if dropped > 0 {
			l.log.Info("demo load: requests dropped because the service was slower than -rate", "dropped", dropped, "sent", sent-dropped)
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			due := int64(now.Sub(start).Seconds()*l.cfg.Rate) - sent
			for ; due > 0; due-- {
				sent++
				select {
				case sem <- struct{}{}:
					method, path, form := l.next(now) // only for requests that go out
					go func() {
						defer func() { <-sem }()
						l.send(ctx, method, path, form)
					}()
				default:
					dropped++
				}
			}
		}
	}
}

// next picks the next request: a session event when a user is due, an API
// call otherwise.
func (l *load) next(now time.Time) (method, path string, form url.Values) {
	if len(l.users) > 0 && l.rnd.Float64() < 0.3 {
		u := &l.users[l.rnd.IntN(len(l.users))]
		if now.After(u.next) {
			f := url.Values{"user": {u.name}, "session": {u.session}}
			switch {
			case !u.online:
				u.logins++
				u.session = u.name + "-" + strconv.Itoa(u.logins)
				f.Set("session", u.session)
				u.online = true
				u.next = now.Add(15 * time.Second)
				return "POST", "/api/login", f
			case l.rnd.Float64() < 0.2:
				u.online = false
				u.next = now.Add(time.Duration(l.rnd.Int64N(int64(30 * time.Second))))
				return "POST", "/api/logout", f
			default:
				u.next = now.Add(15 * time.Second)
				return "POST", "/api/heartbeat", f
			}
		}
	}
	return "GET", "/api/items/" + strconv.Itoa(l.rnd.IntN(1000)), nil
}

func (l *load) send(ctx context.Context, method, path string, form url.Values) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, l.base+path, body)
	if err != nil {
		return
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := l.client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			l.log.Debug("demo load: request failed", "path", path, "err", err)
		}
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}
