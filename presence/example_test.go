package presence_test

import (
	"fmt"
	"time"

	"github.com/abacusgo/abacus/presence"
)

func Example() {
	start := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	now := start
	tr, _ := presence.New(presence.Options{Timeout: 30 * time.Second, Now: func() time.Time { return now }})

	_ = tr.Login("ada", "ada-laptop", start)
	_ = tr.Login("ada", "ada-phone", start)
	_ = tr.Login("bob", "bob-1", start)
	fmt.Println(tr.Active()) // two users, three sessions

	now = start.Add(20 * time.Second)
	_ = tr.Logout("bob", "bob-1", now)
	// A heartbeat bob's client sent before logging out arrives late: it
	// cannot bring the session back.
	_ = tr.Heartbeat("bob", "bob-1", start.Add(10*time.Second))
	_ = tr.Heartbeat("ada", "ada-phone", now)
	fmt.Println(tr.Active())

	now = start.Add(40 * time.Second) // the laptop went quiet and expired
	fmt.Println(tr.Active())
	fmt.Println("distinct users this hour:", tr.Distinct(start, now))
	// Output:
	// {3 2}
	// {2 1}
	// {1 1}
	// distinct users this hour: 2
}

// Two servers each track the sessions they see; merging their states gives
// both the cluster-wide count, with a session that moved between them
// counted once.
func ExampleTracker_Merge() {
	at := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return at.Add(time.Second) }
	a, _ := presence.New(presence.Options{Node: "a", Now: clock})
	b, _ := presence.New(presence.Options{Node: "b", Now: clock})
	_ = a.Login("ada", "s1", at)
	_ = a.Login("bob", "s2", at)
	_ = b.Heartbeat("ada", "s1", at.Add(time.Second)) // ada's session moved to b
	_ = b.Login("cy", "s3", at)

	_ = a.Merge(b.State())
	_ = b.Merge(a.State())
	fmt.Println(a.Active(), b.Active())
	// Output: {3 3} {3 3}
}
