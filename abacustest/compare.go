package abacustest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
)

// CompareText writes r in the Prometheus text format and compares the
// families named in names (every family if none are named) with want, line
// by line, ignoring leading and trailing white space on each line and blank
// lines. It returns nil when they are equal, and otherwise an error showing
// what differs.
func CompareText(r *abacus.Registry, want string, names ...string) error {
	var b bytes.Buffer
	if err := expo.WriteText(&b, r); err != nil {
		return fmt.Errorf("abacustest: writing the registry: %w", err)
	}
	got := selectFamilies(b.String(), names)
	g, w := lines(got), lines(want)
	if strings.Join(g, "\n") == strings.Join(w, "\n") {
		return nil
	}
	var d strings.Builder
	d.WriteString("abacustest: the exposition differs (- want, + got):\n")
	for _, l := range diff(w, g) {
		d.WriteString(l)
		d.WriteByte('\n')
	}
	return fmt.Errorf("%s", d.String())
}

// selectFamilies keeps the blocks of the named families.
func selectFamilies(text string, names []string) string {
	if len(names) == 0 {
		return text
	}
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	var out strings.Builder
	in := false
	for _, line := range strings.Split(text, "\n") {
		if f, ok := strings.CutPrefix(line, "# HELP "); ok {
			in = keep[strings.SplitN(f, " ", 2)[0]]
		} else if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			in = keep[strings.SplitN(f, " ", 2)[0]]
		}
		if in {
			out.WriteString(line)
			out.WriteByte('\n')
		}
	}
	return out.String()
}

func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// diff returns a line diff of a and b (longest common subsequence), lines
// only in a marked "-", only in b "+", common ones " ".
func diff(a, b []string) []string {
	n, m := len(a), len(b)
	lcs := make([][]int, n+1)
	for i := range lcs {
		lcs[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && a[i] == b[j]:
			out = append(out, "  "+a[i])
			i, j = i+1, j+1
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, "+ "+b[j])
			j++
		default:
			out = append(out, "- "+a[i])
			i++
		}
	}
	return out
}
