package expo_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/abacusgo/abacus"
	"github.com/abacusgo/abacus/expo"
)

func newRegistry() *abacus.Registry {
	reg := abacus.NewRegistry(abacus.WithoutMetaMetrics())
	jobs := abacus.Must(reg.CounterVec(abacus.Opts{Name: "app_jobs_total", Help: "Jobs done."}, "queue"))
	jobs.With("email").Add(3)
	return reg
}

func ExampleWriteText() {
	_ = expo.WriteText(os.Stdout, newRegistry())
	// Output:
	// # HELP app_jobs_total Jobs done.
	// # TYPE app_jobs_total counter
	// app_jobs_total{queue="email"} 3
}

func ExampleWriteOpenMetrics() {
	var b strings.Builder
	_ = expo.WriteOpenMetrics(&b, newRegistry())
	for _, line := range strings.Split(b.String(), "\n") {
		if !strings.Contains(line, "_created") { // the creation time changes every run
			fmt.Println(line)
		}
	}
	// Output:
	// # TYPE app_jobs counter
	// # HELP app_jobs Jobs done.
	// app_jobs_total{queue="email"} 3
	// # EOF
}

func ExampleVars() {
	fmt.Println(expo.Vars(newRegistry()))
	// Output: map[app_jobs_total:map[queue="email":3]]
}

func ExampleWriteJSON() {
	var b strings.Builder
	_ = expo.WriteJSON(&b, newRegistry())
	fmt.Println(strings.Contains(b.String(), `"app_jobs_total":{"queue=\"email\"":3}`), strings.Contains(b.String(), `"memstats":`))
	// Output: true true
}

func ExamplePublish() {
	expo.Publish("app", newRegistry()) // /debug/vars now shows "app"
	resp := httptest.NewRecorder()
	http.DefaultServeMux.ServeHTTP(resp, httptest.NewRequest("GET", "/debug/vars", nil))
	fmt.Println(strings.Contains(resp.Body.String(), `"app": {"app_jobs_total":{"queue=\"email\"":3}}`))
	// Output: true
}

func ExampleHandler() {
	srv := httptest.NewServer(expo.Handler(newRegistry()))
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Accept", "application/openmetrics-text;version=1.0.0,text/plain;q=0.5")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	fmt.Println(resp.Header.Get("Content-Type"))
	// Output: application/openmetrics-text; version=1.0.0; charset=utf-8
}

// A format of one's own, negotiated beside the built-in ones.
func ExampleEncoder() {
	csv := expo.Encoder{
		ContentType: "text/csv; charset=utf-8",
		MediaType:   "text/csv",
		Write: func(w io.Writer, r *abacus.Registry) error {
			for f, series := range r.Gather() {
				for s := range series {
					fmt.Fprintf(w, "%s,%q,%v\n", f.Name(), s.Labels.String(), s.Value)
				}
			}
			return nil
		},
	}
	h := expo.Handler(newRegistry(), expo.WithEncoder(csv))
	req := httptest.NewRequest("GET", "/metrics", nil)
	req.Header.Set("Accept", "text/csv")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	fmt.Print(w.Body.String())
	// Output: app_jobs_total,"{queue=\"email\"}",3
}

func ExampleWithLogger() {
	h := expo.Handler(newRegistry(), expo.WithLogger(nil)) // nil: slog.Default()
	fmt.Println(h != nil)
	// Output: true
}

func ExampleFormats() {
	for _, f := range expo.Formats() {
		fmt.Println(f)
	}
	// Output:
	// application/openmetrics-text; version=1.0.0; charset=utf-8
	// text/plain; version=0.0.4; charset=utf-8
	// application/json; charset=utf-8
}

func ExampleHandlerOption() {
	var opts []expo.HandlerOption
	opts = append(opts, expo.WithLogger(nil))
	fmt.Println(len(expo.Formats(opts...)))
	// Output: 3
}
