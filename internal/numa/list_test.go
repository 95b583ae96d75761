package numa

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseList(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
	}{
		{"", nil},
		{"\n", nil},
		{"0\n", []int{0}},
		{"0-3\n", []int{0, 1, 2, 3}},
		{"0-3,8-11\n", []int{0, 1, 2, 3, 8, 9, 10, 11}},
		{"1,3,5-6", []int{1, 3, 5, 6}},
		{"0-1,2-3", []int{0, 1, 2, 3}}, // adjacent ranges: the kernel merges them, but they are a valid set
		{"7-7", []int{7}},
		{"65535", []int{65535}},
	} {
		got, err := parseList(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("parseList(%q) = %v, %v; want %v, nil", c.in, got, err, c.want)
		}
	}
}

func TestParseListMalformed(t *testing.T) {
	for _, in := range []string{
		",", "0,", ",0", "0,,1", "0-", "-1", "-", "1--2", "1-2-3",
		"3-0", "0-3,2-5", "4,2", "2,2",
		"a", "0x1", "+1", "01", "0 ", " 0", "0\n\n", "0\r\n", "1.5",
		"65536", "0-4000000000", "99999999999999999999",
	} {
		got, err := parseList(in)
		if !errors.Is(err, ErrMalformed) {
			t.Errorf("parseList(%q) = %v, %v; want an error wrapping ErrMalformed", in, got, err)
			continue
		}
		if !strings.Contains(err.Error(), strconv.Quote(in)) {
			t.Errorf("parseList(%q): error %q does not quote the input", in, err)
		}
	}
}

func TestParseDistances(t *testing.T) {
	for _, c := range []struct {
		in   string
		want []int
	}{
		{"10\n", []int{10}},
		{"10 21\n", []int{10, 21}},
		{" 10 21\n", []int{10, 21}}, // node 0 offline: the kernel starts the line with a space
		{"10 16 16 16", []int{10, 16, 16, 16}},
	} {
		got, err := parseDistances(c.in)
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("parseDistances(%q) = %v, %v; want %v, nil", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", "\n", " ", "10  21", "10 21 ", "  10", "10,21", "ten", "-10", "10\t21"} {
		if got, err := parseDistances(in); !errors.Is(err, ErrMalformed) {
			t.Errorf("parseDistances(%q) = %v, %v; want an error wrapping ErrMalformed", in, got, err)
		}
	}
}

// formatList writes ids, ascending and distinct, in the kernel's list format
// with ranges merged, as the kernel writes cpulist.
func formatList(ids []int) string {
	var b strings.Builder
	for i := 0; i < len(ids); {
		j := i
		for j+1 < len(ids) && ids[j+1] == ids[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(ids[i]))
		if j > i {
			b.WriteString("-" + strconv.Itoa(ids[j]))
		}
		i = j + 1
	}
	return b.String() + "\n"
}

// FuzzParseList checks that whatever parseList accepts is ascending and
// distinct and reads back the same once written in the kernel's format.
func FuzzParseList(f *testing.F) {
	for _, s := range []string{"", "0", "0-3,8-11\n", "1,3,5-6", "0-1,2-3", "3-0", "0,,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ids, err := parseList(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("parseList(%q) error %v does not wrap ErrMalformed", s, err)
			}
			return
		}
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Fatalf("parseList(%q) = %v: not ascending", s, ids)
			}
		}
		again, err := parseList(formatList(ids))
		if err != nil || !slices.Equal(again, ids) {
			t.Fatalf("parseList(%q) = %v, but its formatting %q reads back as %v, %v", s, ids, formatList(ids), again, err)
		}
	})
}
