package durable

import (
	"fmt"
	"log/slog"
	"time"
)

// Defaults for the zero fields of Options.
const (
	DefaultInterval      = 100 * time.Millisecond
	DefaultSnapshotEvery = 4 << 20 // bytes
)

// Options configure a Set. The zero value is ready: SyncInterval every
// 100 ms, a snapshot every 4 MiB of log, logging to slog.Default().
type Options struct {
	// Policy says when the log is fsynced; see the constants.
	Policy Policy

	// Interval is how often the background committer writes what
	// accumulated under SyncInterval and SyncNone; 0 means DefaultInterval.
	// SyncAlways ignores it: every Add commits.
	Interval time.Duration

	// SnapshotEvery is how many bytes the current log file may hold before
	// the background committer writes a snapshot and starts a new log file;
	// 0 means DefaultSnapshotEvery and a negative value means only when
	// Snapshot is called. It bounds the log that Open replays.
	SnapshotEvery int64

	// Logger receives recovery warnings and commit failures; nil means
	// slog.Default().
	Logger *slog.Logger
}

// withDefaults fills the zero fields and rejects values that make no sense.
func (o Options) withDefaults() (Options, error) {
	switch o.Policy {
	case SyncInterval, SyncAlways, SyncNone:
	default:
		return o, fmt.Errorf("durable: unknown %v", o.Policy)
	}
	switch {
	case o.Interval < 0:
		return o, fmt.Errorf("durable: negative Interval %v", o.Interval)
	case o.Interval == 0:
		o.Interval = DefaultInterval
	}
	if o.SnapshotEvery == 0 {
		o.SnapshotEvery = DefaultSnapshotEvery
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o, nil
}
