package otlp

import (
	"testing"

	colpb "go.opentelemetry.io/proto/slim/otlp/collector/metrics/v1"
	"google.golang.org/protobuf/proto"
)

// FuzzDecodeResponse: any bytes decode to an answer or an error, never a
// panic, and what the generated types accept decodes to the same values.
func FuzzDecodeResponse(f *testing.F) {
	for _, m := range []*colpb.ExportMetricsServiceResponse{
		{},
		{PartialSuccess: &colpb.ExportMetricsPartialSuccess{RejectedDataPoints: 7, ErrorMessage: "bad"}},
		{PartialSuccess: &colpb.ExportMetricsPartialSuccess{RejectedDataPoints: -1}},
	} {
		b, _ := proto.Marshal(m)
		f.Add(b)
	}
	f.Add([]byte{0x0a, 0x80})       // a length past the end
	f.Add([]byte{0x0b})             // a group start
	f.Add([]byte{0x08, 0xff, 0xff}) // a truncated varint
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := DecodeResponse(b)
		DecodeStatus(b)
		var ref colpb.ExportMetricsServiceResponse
		refErr := proto.Unmarshal(b, &ref)
		if err == nil && refErr == nil {
			want := ref.GetPartialSuccess()
			if ps.RejectedDataPoints != want.GetRejectedDataPoints() || ps.ErrorMessage != want.GetErrorMessage() {
				t.Fatalf("decoded %+v, the generated types %v", ps, want)
			}
		}
	})
}
