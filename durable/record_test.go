package durable

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strings"
	"testing"
)

func changes(kv ...any) []change {
	var b []change
	for i := 0; i < len(kv); i += 2 {
		d, ok := kv[i+1].(int64)
		if !ok {
			d = int64(kv[i+1].(int))
		}
		b = append(b, change{&Counter{name: kv[i].(string)}, d})
	}
	return b
}

// scanAll scans a log that starts at sequence number first and returns the
// records' entries as name→delta maps.
func scanAll(t *testing.T, log []byte, first uint64) ([]map[string]int64, int64, error) {
	t.Helper()
	var recs []map[string]int64
	end, damage, err := scanLog(bytes.NewReader(log), int64(len(log)), first, func(seq uint64, ents []entry) {
		if want := first + uint64(len(recs)); seq != want {
			t.Fatalf("apply got sequence number %d; want %d", seq, want)
		}
		m := map[string]int64{}
		for _, e := range ents {
			m[string(e.name)] += e.d
		}
		recs = append(recs, m)
	})
	if err != nil {
		t.Fatalf("scanLog: %v", err)
	}
	return recs, end, damage
}

func TestRecordRoundTrip(t *testing.T) {
	long := strings.Repeat("é", MaxNameLen/2)
	batches := [][]change{
		changes("a", 1),
		changes("a", -1, "b", int64(1<<62), "c", int64(-1<<63)),
		changes(long, 7, "x", int64(9223372036854775807)),
	}
	var log []byte
	seq := uint64(5)
	for _, b := range batches {
		log, seq = appendRecords(log, seq, b, maxPayload)
	}
	if seq != 8 {
		t.Fatalf("next sequence number %d; want 8", seq)
	}
	recs, end, damage := scanAll(t, log, 5)
	if damage != nil || end != int64(len(log)) || len(recs) != len(batches) {
		t.Fatalf("scan: %d records, end %d of %d, damage %v", len(recs), end, len(log), damage)
	}
	for i, b := range batches {
		for _, ch := range b {
			if got := recs[i][ch.c.name]; got != ch.d {
				t.Fatalf("record %d: %q = %d; want %d", i, ch.c.name, got, ch.d)
			}
		}
	}
}

func TestRecordSplit(t *testing.T) {
	var b []change
	for i := range 100 {
		b = append(b, change{&Counter{name: strings.Repeat("n", 200) + string(rune('a'+i%26)) + string(rune('a'+i/26))}, int64(i + 1)})
	}
	log, next := appendRecords(nil, 1, b, 1000)
	recs, end, damage := scanAll(t, log, 1)
	if damage != nil || end != int64(len(log)) {
		t.Fatalf("damage %v at %d of %d", damage, end, len(log))
	}
	if len(recs) < 20 || next != uint64(len(recs))+1 {
		t.Fatalf("%d records, next %d; want at least 20 records of 4 entries", len(recs), next)
	}
	var sum int64
	for _, r := range recs {
		for _, d := range r {
			sum += d
		}
	}
	if sum != 100*101/2 {
		t.Fatalf("sum %d; want %d", sum, 100*101/2)
	}
}

// frame wraps payload in a record header with a correct checksum.
func frame(payload []byte) []byte {
	b := binary.LittleEndian.AppendUint32(nil, uint32(len(payload)))
	b = binary.LittleEndian.AppendUint32(b, crc32.Checksum(payload, castagnoli))
	return append(b, payload...)
}

func TestRecordDamage(t *testing.T) {
	good, _ := appendRecords(nil, 1, changes("a", 1), maxPayload)
	cases := []struct {
		name string
		log  []byte
		want string // in the damage
	}{
		{"short header", good[:5], "incomplete record header"},
		{"truncated payload", good[:len(good)-1], "incomplete record"},
		{"length zero", make([]byte, 16), "below the minimum"},
		{"length huge", append(binary.LittleEndian.AppendUint32(nil, maxPayload+1), make([]byte, 12)...), "above the bound"},
		{"checksum", append(append([]byte{}, good[:len(good)-1]...), good[len(good)-1]^1), "checksum"},
		{"sequence", frame([]byte{2, 1, 1, 'a', 2}), "sequence number 2, want 1"},
		{"bad seq varint", frame([]byte{0x80, 0x80, 0x80, 0x80, 0x80}), "malformed sequence"},
		{"zero count", frame([]byte{1, 0, 1, 'a', 2}), "entry count 0"},
		{"count too large", frame([]byte{1, 5, 1, 'a', 2}), "entry count 5"},
		{"empty name", frame([]byte{1, 1, 0, 'a', 2}), "bad name length"},
		{"name past end", frame([]byte{1, 1, 9, 'a', 2}), "bad name length"},
		{"invalid utf-8", frame([]byte{1, 1, 1, 0xff, 2}), "UTF-8"},
		{"zero delta", frame([]byte{1, 1, 1, 'a', 0}), "bad delta"},
		{"bad delta varint", frame([]byte{1, 1, 1, 'a', 0x80}), "bad delta"},
		{"trailing", frame([]byte{1, 1, 1, 'a', 2, 0}), "trailing"},
	}
	for _, c := range cases {
		recs, end, damage := scanAll(t, c.log, 1)
		if damage == nil || !strings.Contains(damage.Error(), c.want) || end != 0 || len(recs) != 0 {
			t.Errorf("%s: %d records, end %d, damage %v; want no records, end 0, damage containing %q", c.name, len(recs), end, damage, c.want)
		}
		// After a good record the damage is found at the same place.
		log := append(append([]byte{}, good...), c.log...)
		if c.name == "sequence" {
			continue // that record is good as a second one
		}
		recs, end, damage = scanAll(t, log, 1)
		if damage == nil || end != int64(len(good)) || len(recs) != 1 {
			t.Errorf("%s after a good record: %d records, end %d, damage %v; want 1, %d, damage", c.name, len(recs), end, damage, len(good))
		}
	}
}

func TestSnapshotEncoding(t *testing.T) {
	totals := []total{{"a", 1}, {"b", -5}, {strings.Repeat("z", MaxNameLen), 1 << 62}}
	b := encodeSnapshot(42, totals)
	seq, m, err := decodeSnapshot(b)
	if err != nil || seq != 42 || len(m) != 3 || m["b"] != -5 {
		t.Fatalf("decode: %d %v %v", seq, m, err)
	}
	for i := range b {
		for _, v := range []byte{b[i] ^ 0xff, 0} {
			if v == b[i] {
				continue
			}
			c := append([]byte{}, b...)
			c[i] = v
			if _, _, err := decodeSnapshot(c); err == nil {
				t.Fatalf("byte %d set to %#x: decoded without error", i, v)
			}
		}
		if _, _, err := decodeSnapshot(b[:i]); err == nil {
			t.Fatalf("truncated to %d bytes: decoded without error", i)
		}
	}
	unsorted := encodeSnapshot(1, []total{{"b", 1}, {"a", 1}})
	if _, _, err := decodeSnapshot(unsorted); err == nil {
		t.Fatal("unsorted names decoded without error")
	}
	zero := encodeSnapshot(1, []total{{"a", 0}})
	if _, _, err := decodeSnapshot(zero); err == nil {
		t.Fatal("a zero total decoded without error")
	}
}

func TestParseName(t *testing.T) {
	cases := []struct {
		name string
		n    uint64
		ok   bool
	}{
		{"wal-0000000000000001.log", 1, true},
		{"wal-00000000000000ff.log", 255, true},
		{"wal-ffffffffffffffff.log", 1<<64 - 1, true},
		{"wal-00000000000000FF.log", 0, false},
		{"wal-000000000000001.log", 0, false},
		{"wal-0000000000000001.log.tmp", 0, false},
		{"snap-0000000000000001.snap", 0, false},
		{"wal-000000000000000g.log", 0, false},
	}
	for _, c := range cases {
		if n, ok := parseName(c.name, logPrefix, logSuffix); n != c.n || ok != c.ok {
			t.Errorf("parseName(%q) = %d, %v; want %d, %v", c.name, n, ok, c.n, c.ok)
		}
	}
	if logName(255) != "wal-00000000000000ff.log" || snapName(1) != "snap-0000000000000001.snap" {
		t.Fatalf("names: %s %s", logName(255), snapName(1))
	}
}
