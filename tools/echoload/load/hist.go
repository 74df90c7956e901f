package load

import (
	"encoding/json"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in nanoseconds from 1 µs to 1 minute with three
// significant digits (an error of at most 0.1%), in a fixed ~200 KiB of
// counters: recording is an index computation and an increment.
const (
	histMin = int64(time.Microsecond)
	histMax = int64(time.Minute)
	histSig = 3
)

// histogram is an HDR histogram of latencies.
type histogram struct{ h *hdr.Histogram }

func newHistogram() histogram { return histogram{hdr.New(histMin, histMax, histSig)} }

// record adds one latency, clamped into the histogram's range.
func (h histogram) record(d time.Duration) {
	v := min(max(int64(d), histMin), histMax)
	_ = h.h.RecordValue(v) // cannot fail: v is in range
}

func (h histogram) reset() { h.h.Reset() }

func (h histogram) quantile(q float64) time.Duration {
	return time.Duration(h.h.ValueAtQuantile(q))
}

// Percentiles summarise a latency distribution.
type Percentiles struct {
	Count                    int64
	P50, P90, P99, P999, Max time.Duration
	Mean                     time.Duration
}

func (h histogram) percentiles() Percentiles {
	if h.h.TotalCount() == 0 {
		return Percentiles{}
	}
	return Percentiles{
		Count: h.h.TotalCount(),
		P50:   h.quantile(50),
		P90:   h.quantile(90),
		P99:   h.quantile(99),
		P999:  h.quantile(99.9),
		Max:   time.Duration(h.h.Max()),
		Mean:  time.Duration(h.h.Mean()),
	}
}

// percentilesJSON is Percentiles as JSON: in microseconds, the unit of a
// loopback echo.
type percentilesJSON struct {
	Count int64   `json:"count"`
	P50   float64 `json:"p50_us"`
	P90   float64 `json:"p90_us"`
	P99   float64 `json:"p99_us"`
	P999  float64 `json:"p99_9_us"`
	Max   float64 `json:"max_us"`
	Mean  float64 `json:"mean_us"`
}

// MarshalJSON writes the percentiles in microseconds, the unit of a
// loopback echo.
func (p Percentiles) MarshalJSON() ([]byte, error) {
	us := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }
	return json.Marshal(percentilesJSON{p.Count, us(p.P50), us(p.P90), us(p.P99), us(p.P999), us(p.Max), us(p.Mean)})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (p *Percentiles) UnmarshalJSON(b []byte) error {
	var v percentilesJSON
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	d := func(us float64) time.Duration { return time.Duration(us * 1e3) }
	*p = Percentiles{v.Count, d(v.P50), d(v.P90), d(v.P99), d(v.P999), d(v.Max), d(v.Mean)}
	return nil
}
