package otlp

import (
	"regexp"
	"strings"
	"testing"
)

var validName = regexp.MustCompile(`^[a-zA-Z_:][a-zA-Z0-9_:]*$`)

// FuzzPrometheusName: whatever the name and unit, the result is a valid
// Prometheus metric name, and translating it again changes nothing when
// the unit has no per-unit.
func FuzzPrometheusName(f *testing.F) {
	for _, s := range [][2]string{{"http.server.request.duration", "s"}, {"a..b", "By/s"}, {"", "{x}"}, {"9", "1"}, {"ü", "%/mo"}} {
		f.Add(s[0], s[1], uint8(0))
	}
	f.Fuzz(func(t *testing.T, name, unit string, kind uint8) {
		k := Kind(kind % 6)
		got := PrometheusName(name, unit, k)
		if !validName.MatchString(got) {
			t.Fatalf("PrometheusName(%q, %q, %d) = %q: not a valid name", name, unit, k, got)
		}
		// the per-unit is appended again, as Prometheus does
		// and so is a main unit that is not one word (an unknown unit such
		// as "0_"), since it never matches a word of the name: both as
		// Prometheus's translator does
		if main, per := unitSuffixes(unit); per != "" || strings.Contains(main, "_") {
			return
		}
		if again := PrometheusName(got, unit, k); again != got {
			t.Fatalf("not idempotent: %q, then %q", got, again)
		}
	})
}
