package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/abacusgo/abacus/crdt"
)

const (
	tableTop = "          ------- logins ------   -- active sessions --   --- users online ---   -- distinct users --"
	tableCol = " elapsed       redis      exact       redis      exact       redis      exact       redis      exact   expired   stale  errors"
	lineFmt  = "%7.1fs  %10s %10s  %10s %10s  %10s %10s  %10s %10s  %8s  %5.2fs  %6d\n"
)

// reportEvery prints a line every cfg.report until ctx is done.
func (s *sim) reportEvery(ctx context.Context, w io.Writer) {
	t := time.NewTicker(s.cfg.report)
	defer t.Stop()
	fmt.Fprintln(w, tableTop)
	fmt.Fprintln(w, tableCol)
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		s.reportLine(ctx, w)
		select { // a tick that came while a slow Redis held the line up is stale
		case <-t.C:
		default:
		}
	}
}

// reportLine prints one line: Redis first, then the exact model, so that
// Redis's logins are never ahead of the exact count. The reads share one
// timeout, and the elapsed time is when the model was read: a line that
// waited for a slow Redis shows when it was taken.
func (s *sim) reportLine(ctx context.Context, w io.Writer) {
	now := time.Now().Truncate(time.Millisecond)
	// A line begun is finished, within the timeout.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), redisTimeout)
	defer cancel()
	r := s.reader
	logins, errL := r.logins.Load(ctx)
	active, errA := r.online.ActiveAt(ctx, now)
	distinct, errD := r.online.Distinct(ctx, s.start, now)
	if err := errors.Join(errL, errA, errD); err != nil {
		s.log.Warn("reading Redis", "err", err)
	}
	at := time.Now()
	exactLogins := s.logins.Load()
	exact := s.model.ActiveAt(now)
	s.model.Collect(now)
	age, _, failures := s.stats()
	fmt.Fprintf(w, lineFmt, at.Sub(s.start).Seconds(),
		orDash(logins, errL), group(exactLogins),
		orDash(int64(active.Sessions), errA), group(int64(exact.Sessions)),
		orDash(int64(active.Users), errA), group(int64(exact.Users)),
		orDash(distinct, errD), group(s.distinct.Load()),
		group(s.expired.Load()), age.Seconds(), failures)
}

// finish syncs every node once more, then compares Redis with the exact
// model and prints the summary. It returns an error wrapping errMismatch if
// the logins or the active sessions differ.
func (s *sim) finish(ctx context.Context, w io.Writer) error {
	for _, n := range s.nodes {
		if err := n.store.Flush(ctx); err != nil {
			return fmt.Errorf("final sync of %s: %w", n.id, err)
		}
	}
	now := time.Now().Truncate(time.Millisecond)
	r := s.reader
	logins, err := r.logins.Load(ctx)
	if err != nil {
		return err
	}
	active, err := r.online.ActiveAt(ctx, now)
	if err != nil {
		return err
	}
	distinct, err := r.online.Distinct(ctx, s.start, now)
	if err != nil {
		return err
	}
	exactLogins := s.logins.Load()
	exact := s.model.ActiveAt(now)
	exactDistinct := s.distinct.Load()
	_, syncs, failures := s.stats()
	elapsed := s.end.Sub(s.start)

	fmt.Fprintf(w, "\nfinal, %.1fs of traffic, after every node synced once more:\n", elapsed.Seconds())
	verdict := func(ok bool, good, bad string) string {
		if ok {
			return "ok: " + good
		}
		return "MISMATCH: " + bad
	}
	loginsOK, activeOK := logins == exactLogins, active == exact
	fmt.Fprintf(w, "  logins    redis %10s   exact %10s   %s\n", group(logins), group(exactLogins),
		verdict(loginsOK, "exact (raise-only per-node totals: nothing lost, nothing counted twice)",
			fmt.Sprintf("Redis is off by %+d", logins-exactLogins)))
	fmt.Fprintf(w, "  active    redis %10s   exact %10s   %s\n", group(int64(active.Sessions)), group(int64(exact.Sessions)),
		verdict(active.Sessions == exact.Sessions, "equal (ZCOUNT of sessions seen within the timeout; logouts are tombstones)",
			fmt.Sprintf("Redis is off by %+d", active.Sessions-exact.Sessions)))
	fmt.Fprintf(w, "  users     redis %10s   exact %10s   %s\n", group(int64(active.Users)), group(int64(exact.Users)),
		verdict(active.Users == exact.Users, "equal (ZCOUNT of users by their latest live session)",
			fmt.Sprintf("Redis is off by %+d", active.Users-exact.Users)))
	relErr := 0.0
	if exactDistinct > 0 {
		relErr = float64(distinct-exactDistinct) / float64(exactDistinct)
	}
	bound := 3 * crdt.HLLError
	fmt.Fprintf(w, "  distinct  redis %10s   exact %10s   %+.2f%%: %s\n", group(distinct), group(exactDistinct), 100*relErr,
		verdict(math.Abs(relErr) <= bound,
			fmt.Sprintf("within 3 standard errors of HyperLogLog (3 × %.2f%%)", 100*crdt.HLLError),
			fmt.Sprintf("beyond 3 standard errors of HyperLogLog (3 × %.2f%%); rare, but an estimate", 100*crdt.HLLError)))
	events := s.logins.Load() + s.beats.Load() + s.logouts.Load()
	fmt.Fprintf(w, "  traffic   %s events (%s/s): %s logins, %s heartbeats, %s logouts; %s sessions vanished, %s of them expired\n",
		group(events), group(int64(float64(events)/elapsed.Seconds())), group(s.logins.Load()), group(s.beats.Load()),
		group(s.logouts.Load()), group(s.vanished.Load()), group(s.expired.Load()))
	fmt.Fprintf(w, "  syncs     %s successful, %d failed", group(int64(syncs)), failures)
	if n := s.refused.Load(); n > 0 {
		fmt.Fprintf(w, "; %s presence events refused (buffer full)", group(n))
	}
	fmt.Fprintln(w)
	if !loginsOK || !activeOK {
		fmt.Fprintln(w, "FAIL: Redis disagrees with the exact model")
		return errMismatch
	}
	fmt.Fprintln(w, "PASS: Redis agrees with the exact model")
	return nil
}

// orDash formats n, or "-" if err is not nil.
func orDash(n int64, err error) string {
	if err != nil {
		return "-"
	}
	return group(n)
}

// group formats n with thousands separators: 1234567 -> "1,234,567".
func group(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, c)
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
