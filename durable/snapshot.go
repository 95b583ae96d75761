package durable

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// A snapshot file is a 24-byte header, the magic "ABCSSNAP", the format
// version, the CRC-32C of the body (both little-endian uint32) and the body's
// length (little-endian uint64), then the body: the sequence number of the
// last record it includes, the count of totals, and the totals, each a name
// and a nonzero total, sorted by name (see the package doc).
const (
	snapMagic      = "ABCSSNAP"
	snapVersion    = 1
	snapHeaderSize = 24
)

// ErrCorrupt is returned, wrapped, by Open when a snapshot fails
// verification and the directory no longer holds what recovering exactly
// without it would take, or when a log or snapshot file is missing.
// Open changes nothing in the directory when it returns it.
var ErrCorrupt = errors.New("durable: corrupt data")

// total is one counter's total in a snapshot.
type total struct {
	name string
	v    int64
}

// encodeSnapshot returns the snapshot file of totals, sorted by name and all
// nonzero, as of the record numbered seq.
func encodeSnapshot(seq uint64, totals []total) []byte {
	b := make([]byte, snapHeaderSize, snapHeaderSize+16+len(totals)*16)
	copy(b, snapMagic)
	b = binary.AppendUvarint(b, seq)
	b = binary.AppendUvarint(b, uint64(len(totals)))
	for _, t := range totals {
		b = binary.AppendUvarint(b, uint64(len(t.name)))
		b = append(b, t.name...)
		b = binary.AppendVarint(b, t.v)
	}
	body := b[snapHeaderSize:]
	binary.LittleEndian.PutUint32(b[8:], snapVersion)
	binary.LittleEndian.PutUint32(b[12:], crc32.Checksum(body, castagnoli))
	binary.LittleEndian.PutUint64(b[16:], uint64(len(body)))
	return b
}

// decodeSnapshot decodes a snapshot file. Every error wraps ErrCorrupt.
func decodeSnapshot(b []byte) (uint64, map[string]int64, error) {
	bad := func(format string, args ...any) (uint64, map[string]int64, error) {
		return 0, nil, fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
	switch {
	case len(b) < snapHeaderSize:
		return bad("%d bytes, shorter than the header", len(b))
	case string(b[:8]) != snapMagic:
		return bad("bad magic %q", b[:8])
	case binary.LittleEndian.Uint32(b[8:]) != snapVersion:
		return bad("version %d, want %d", binary.LittleEndian.Uint32(b[8:]), snapVersion)
	case binary.LittleEndian.Uint64(b[16:]) != uint64(len(b)-snapHeaderSize):
		return bad("body length %d, the file holds %d", binary.LittleEndian.Uint64(b[16:]), len(b)-snapHeaderSize)
	}
	p := b[snapHeaderSize:]
	if crc32.Checksum(p, castagnoli) != binary.LittleEndian.Uint32(b[12:]) {
		return bad("checksum mismatch")
	}
	seq, n := binary.Uvarint(p)
	if n <= 0 {
		return bad("malformed sequence number")
	}
	p = p[n:]
	count, n := binary.Uvarint(p)
	if n <= 0 || count > uint64(len(p)-n)/minEntry {
		return bad("bad count")
	}
	p = p[n:]
	totals := make(map[string]int64, count)
	var prev []byte
	for i := range count {
		l, n := binary.Uvarint(p)
		if n <= 0 || l == 0 || l > MaxNameLen || l > uint64(len(p)-n) {
			return bad("total %d: bad name length", i)
		}
		name := p[n : n+int(l)]
		if !utf8.Valid(name) || (i > 0 && bytes.Compare(prev, name) >= 0) {
			return bad("total %d: invalid or unsorted name", i)
		}
		p = p[n+int(l):]
		v, n := binary.Varint(p)
		if n <= 0 || v == 0 {
			return bad("total %d: bad value", i)
		}
		p = p[n:]
		totals[string(name)] = v
		prev = name
	}
	if len(p) != 0 {
		return bad("%d trailing bytes", len(p))
	}
	return seq, totals, nil
}

// readSnapshot reads and verifies the snapshot f of dir. Errors wrap
// ErrCorrupt unless reading failed.
func readSnapshot(dir string, f fileRef) (map[string]int64, error) {
	b, err := os.ReadFile(filepath.Join(dir, f.name))
	if err != nil {
		return nil, fmt.Errorf("durable: %w", err)
	}
	seq, totals, err := decodeSnapshot(b)
	if err == nil && seq != f.n {
		err = fmt.Errorf("%w: sequence number %d in a file named for %d", ErrCorrupt, seq, f.n)
	}
	if err != nil {
		return nil, fmt.Errorf("snapshot %s: %w", f.name, err)
	}
	return totals, nil
}

// writeSnapshot writes b to dir as the snapshot numbered seq: to a temporary
// file, fsynced, renamed into place, and the directory fsynced.
func writeSnapshot(dir string, seq uint64, b []byte) (err error) {
	name := filepath.Join(dir, snapName(seq))
	tmp := name + tmpSuffix
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp)
		}
	}()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		return err
	}
	return syncDir(dir)
}

// Snapshot commits and fsyncs what is pending, writes a snapshot of every
// total, and removes the log files and snapshots it makes redundant, so that
// Open replays only what is logged after it. The background committer calls
// it every Options.SnapshotEvery bytes of log; call it yourself before a
// planned restart to make Open fast, or to make everything so far durable
// under SyncNone.
//
// Snapshot is safe for concurrent use. Commits wait only while it starts a
// new log file, not while it writes the snapshot. After Close it returns
// ErrClosed.
func (s *Set) Snapshot() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return s.snapshot()
}

func (s *Set) snapshot() error {
	s.snapMu.Lock()
	defer s.snapMu.Unlock()
	seq, totals, err := s.rotate()
	if err != nil || seq == s.snapSeq {
		return err
	}
	slices.SortFunc(totals, func(a, b total) int { return strings.Compare(a.name, b.name) })
	if err := writeSnapshot(s.dir, seq, encodeSnapshot(seq, totals)); err != nil {
		err = fmt.Errorf("durable: write snapshot %s: %w", snapName(seq), err)
		s.failed(err, false)
		return err
	}
	s.snapSeq = seq
	s.snapshots.Add(1)
	// The snapshot holds everything up to seq: older snapshots and the log
	// files before the current one are redundant. Failing to remove them
	// costs disk space and replay time but loses nothing, so it is logged
	// rather than returned.
	l, err := list(s.dir)
	var old []string
	for _, f := range l.logs {
		if f.n <= seq {
			old = append(old, f.name)
		}
	}
	for _, f := range l.snaps {
		if f.n < seq {
			old = append(old, f.name)
		}
	}
	if err == nil {
		err = remove(s.dir, old...)
	}
	if err != nil {
		s.logger.Warn("durable: cannot remove files a snapshot made redundant", "dir", s.dir, "snapshot", snapName(seq), "err", err)
	}
	return nil
}

// rotate commits and fsyncs what is pending, captures every nonzero logged
// total and the sequence number of the last record, and, if the current log
// file holds records, starts a new one for the records after it.
func (s *Set) rotate() (uint64, []total, error) {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	if err := s.commitLocked(true); err != nil {
		return 0, nil, err
	}
	seq := s.seq
	if seq == s.snapSeq {
		return seq, nil, nil
	}
	var totals []total
	for _, c := range s.counters() {
		if c.logged != 0 {
			totals = append(totals, total{c.name, c.logged})
		}
	}
	if s.logFirst <= seq {
		if err := s.startLog(seq + 1); err != nil {
			err = fmt.Errorf("durable: start log %s: %w", logName(seq+1), err)
			s.failed(err, false)
			return 0, nil, err
		}
	}
	return seq, totals, nil
}
