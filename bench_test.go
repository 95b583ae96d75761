package abacus_test

import (
	"testing"

	"github.com/abacusgo/abacus"
)

// BenchmarkWith: a lookup of an existing series of two labels and an
// increment, as request code does it (the comparison with the field is
// BenchmarkLabeledInc in bench/).
func BenchmarkWith(b *testing.B) {
	r := abacus.NewRegistry()
	cv := abacus.Must(r.CounterVec(abacus.Opts{Name: "req_total"}, "method", "code"))
	methods := [4]string{"GET", "POST", "PUT", "DELETE"}
	codes := [4]string{"200", "404", "500", "503"}
	for _, m := range methods {
		for _, c := range codes {
			cv.With(m, c)
		}
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		m, c := methods, codes
		for i := 0; pb.Next(); i++ {
			cv.With(m[i&3], c[(i>>2)&3]).Inc()
		}
	})
}
