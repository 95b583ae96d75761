package durable

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed is returned by the methods of a Set after Close, and by Add.
var ErrClosed = errors.New("durable: set closed")

// ErrLocked is returned, wrapped, by Open when another Set, in this process
// or another, has the directory open.
var ErrLocked = errors.New("durable: directory in use")

// A Set is a directory of named counters whose totals survive a restart.
// Open one per directory; its methods are safe for concurrent use.
type Set struct {
	// Read by every Add; written rarely.
	policy    Policy
	closed    atomic.Bool
	sealed    atomic.Bool             // Close's final commit is done; Load returns what was persisted
	failure   atomic.Pointer[failure] // the last commit's error while commits fail
	drainGen  atomic.Uint64           // commits begun; a commit takes adds after numbering itself
	syncedGen atomic.Uint64           // the number of the last commit after which everything taken was fsynced

	dir      string
	interval time.Duration
	every    int64 // Options.SnapshotEvery
	logger   *slog.Logger
	lock     *os.File
	recovery Recovery

	mu       sync.RWMutex
	byName   map[string]*Counter
	list     []*Counter     // every counter, in creation order; only appended to
	replicas map[string]any // *GCounter and *PNCounter by their first Counter's name

	snapMu  sync.Mutex // serialises snapshots; taken before commitMu
	snapSeq uint64     // the newest snapshot's sequence number; guarded by snapMu

	commitMu   sync.Mutex
	final      bool    // Close has made its final commit
	log        logFile // the current log file
	logFirst   uint64  // its first sequence number
	off        int64   // where its valid records end
	seq        uint64  // the sequence number of the last record written
	syncedOff  int64   // off as of the last successful fsync
	syncedSeq  uint64  // seq likewise
	dirty      bool    // the log may hold bytes past off that truncating it failed to remove
	unsynced   []*Counter
	batch      []change
	buf        []byte
	nextSnapAt int64 // log size at which to ask for a snapshot
	maxPayload int   // records are split above this; maxPayload except in tests

	commits, records, bytes, syncs, snapshots, failures atomic.Int64
	lastErr                                             atomic.Pointer[failure]

	stop, done chan struct{}
	snapReq    chan struct{}
}

type failure struct{ err error }

// Open opens the set of counters kept in dir, creating dir if it does not
// exist, and recovers their totals: it loads the newest snapshot and replays
// the log after it, stopping at the first damaged or incomplete record (what
// a crash in the middle of a write leaves), which it removes; see the package
// doc. Recovery says what it found.
//
// Open locks dir: while the Set is open, another Open of dir, in this
// process or another, returns an error wrapping ErrLocked. It returns an
// error wrapping ErrCorrupt, and changes nothing, when recovering would mean
// guessing (a snapshot fails verification and the log needed to recover
// without it is gone, or a file is missing).
func Open(dir string, opts Options) (*Set, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	lock, err := lockDir(dir)
	if err != nil {
		return nil, err
	}
	s := &Set{
		policy:     opts.Policy,
		dir:        dir,
		interval:   opts.Interval,
		every:      opts.SnapshotEvery,
		logger:     opts.Logger,
		lock:       lock,
		byName:     make(map[string]*Counter),
		maxPayload: maxPayload,
		stop:       make(chan struct{}),
		done:       make(chan struct{}),
		snapReq:    make(chan struct{}, 1),
	}
	if err := s.recover(); err != nil {
		lock.Close()
		return nil, fmt.Errorf("durable: open %s: %w", dir, err)
	}
	s.nextSnapAt = s.every
	go s.run()
	return s, nil
}

// Dir returns the directory the Set keeps its files in.
func (s *Set) Dir() string { return s.dir }

// Recovery returns what Open found.
func (s *Set) Recovery() Recovery {
	r := s.recovery
	r.CorruptSnapshots = append([]string(nil), r.CorruptSnapshots...)
	return r
}

// Counter returns the counter named name, creating it at zero if the Set
// does not have it. The same name always yields the same *Counter. A name is
// 1 to MaxNameLen bytes of valid UTF-8; other names return an error wrapping
// ErrInvalidName. A new counter reaches the log with the first commit that
// carries a delta for it: a counter that stays zero leaves no trace.
//
// Counter takes a read lock; keep the handle rather than calling Counter for
// every add. After Close it returns ErrClosed.
func (s *Set) Counter(name string) (*Counter, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	s.mu.RLock()
	c := s.byName[name]
	s.mu.RUnlock()
	if c != nil {
		return c, nil
	}
	if err := checkName(name); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c = s.byName[name]; c == nil {
		c = s.newCounter(name, 0)
	}
	return c, nil
}

// newCounter adds a counter with a recovered total. s.mu must be held, or
// the Set not yet shared.
func (s *Set) newCounter(name string, total int64) *Counter {
	c := &Counter{set: s, name: name, logged: total}
	c.taken.Store(total)
	s.byName[name] = c
	s.list = append(s.list, c)
	return c
}

// counters returns every counter created so far.
func (s *Set) counters() []*Counter {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.list
}

// Totals returns the total of every counter that is not zero, as Load would
// return it: a counter at zero is indistinguishable from one never created,
// and is not recorded in snapshots. Each total is read on its own; Totals is
// not an atomic snapshot across counters while adds run.
func (s *Set) Totals() map[string]int64 {
	m := make(map[string]int64)
	for _, c := range s.counters() {
		if v := c.Load(); v != 0 {
			m[c.name] = v
		}
	}
	return m
}

// Close commits and fsyncs what is pending, stops the background committer,
// closes the log and unlocks the directory. Adds after Close return
// ErrClosed. Load and Totals still work and return the totals as persisted,
// which is what Open will recover. If the final commit fails, Close returns
// its error and the adds it could not write are lost. A second Close returns
// ErrClosed.
func (s *Set) Close() error {
	if !s.closed.CompareAndSwap(false, true) {
		return ErrClosed
	}
	close(s.stop)
	<-s.done
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	err := s.commitLocked(true)
	s.final = true
	for _, c := range s.counters() {
		if t := c.taken.Load(); t != c.logged {
			c.moving.Add(1)
			c.taken.Store(c.logged)
			c.moving.Add(1)
		}
	}
	s.sealed.Store(true)
	if cerr := s.log.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("durable: close log: %w", cerr)
	}
	if cerr := s.lock.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("durable: unlock %s: %w", s.dir, cerr)
	}
	return err
}
