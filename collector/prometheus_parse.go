package collector

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"
)

// PromSample is one series of an instant-query result.
type PromSample struct {
	Labels map[string]string
	Value  float64 // may be NaN or ±Inf, as Prometheus sends them
	Time   time.Time
}

// PromSeries is one series of a range-query result.
type PromSeries struct {
	Labels map[string]string
	Points []PromPoint
}

// PromPoint is one value of a range-query series (NaN or ±Inf as Prometheus sends them).
type PromPoint struct {
	Time  time.Time
	Value float64
}

type promEnvelope struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

// promPair is a [unix seconds, "value"] pair.
type promPair [2]json.RawMessage

func (p promPair) parse() (time.Time, float64, error) {
	var ts float64
	if err := json.Unmarshal(p[0], &ts); err != nil {
		return time.Time{}, 0, errors.New("sample time is not a number")
	}
	var s string
	if err := json.Unmarshal(p[1], &s); err != nil {
		return time.Time{}, 0, errors.New("sample value is not a string")
	}
	v, err := strconv.ParseFloat(s, 64) // accepts "NaN", "+Inf", "-Inf"
	if err != nil {
		return time.Time{}, 0, fmt.Errorf("sample value %q is not a number", CleanText(s, 20))
	}
	sec, frac := math.Modf(ts)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC(), v, nil
}

// envelope decodes the common part of an API answer and turns an error answer into an
// error with Prometheus's own reason.
func promDecode(body []byte, want string) (json.RawMessage, error) {
	var env promEnvelope
	if err := DecodeJSON(body, &env); err != nil {
		return nil, err
	}
	if env.Status != "success" {
		if env.Error != "" {
			return nil, fmt.Errorf("%s: %s", env.ErrorType, CleanText(env.Error, 200))
		}
		return nil, fmt.Errorf("status %q", CleanText(env.Status, 20))
	}
	if env.Data.ResultType != want {
		return nil, fmt.Errorf("result type %q, expected %s", CleanText(env.Data.ResultType, 20), want)
	}
	return env.Data.Result, nil
}

// ParsePromVector parses an /api/v1/query answer whose result is a vector (or a scalar,
// returned as one sample without labels).
func ParsePromVector(body []byte) ([]PromSample, error) {
	var env promEnvelope
	if err := DecodeJSON(body, &env); err == nil && env.Status == "success" && env.Data.ResultType == "scalar" {
		var pair promPair
		if err := json.Unmarshal(env.Data.Result, &pair); err != nil {
			return nil, errors.New("scalar result is not a [time, value] pair")
		}
		t, v, err := pair.parse()
		if err != nil {
			return nil, err
		}
		return []PromSample{{Labels: map[string]string{}, Value: v, Time: t}}, nil
	}
	raw, err := promDecode(body, "vector")
	if err != nil {
		return nil, err
	}
	var items []struct {
		Metric map[string]string `json:"metric"`
		Value  promPair          `json:"value"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("vector result is malformed")
	}
	out := make([]PromSample, 0, len(items))
	for _, it := range items {
		t, v, err := it.Value.parse()
		if err != nil {
			return nil, err
		}
		if it.Metric == nil {
			it.Metric = map[string]string{}
		}
		out = append(out, PromSample{Labels: it.Metric, Value: v, Time: t})
	}
	return out, nil
}

// ParsePromMatrix parses an /api/v1/query_range answer (result type matrix).
func ParsePromMatrix(body []byte) ([]PromSeries, error) {
	raw, err := promDecode(body, "matrix")
	if err != nil {
		return nil, err
	}
	var items []struct {
		Metric map[string]string `json:"metric"`
		Values []promPair        `json:"values"`
	}
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, errors.New("matrix result is malformed")
	}
	out := make([]PromSeries, 0, len(items))
	for _, it := range items {
		s := PromSeries{Labels: it.Metric, Points: make([]PromPoint, 0, len(it.Values))}
		if s.Labels == nil {
			s.Labels = map[string]string{}
		}
		for _, pr := range it.Values {
			t, v, err := pr.parse()
			if err != nil {
				return nil, err
			}
			s.Points = append(s.Points, PromPoint{Time: t, Value: v})
		}
		out = append(out, s)
	}
	return out, nil
}
