package main

import (
	"testing"
	"time"
)

func TestCountInversions(t *testing.T) {
	at := func(secs ...int) []time.Time {
		out := make([]time.Time, len(secs))
		for i, s := range secs {
			out[i] = time.Unix(int64(s), 0)
		}
		return out
	}
	for _, tc := range []struct {
		times []time.Time
		want  int64
	}{
		{at(), 0},
		{at(1, 1, 2, 3), 0}, // admitted together in one tick is not an inversion
		{at(2, 1), 1},
		{at(3, 2, 1), 3},
		{at(1, 3, 2, 4, 0), 5},
	} {
		if got := countInversions(tc.times); got != tc.want {
			t.Errorf("countInversions = %d, want %d", got, tc.want)
		}
	}
}

func TestPollInterval(t *testing.T) {
	for _, tc := range []struct {
		estimate string
		want     time.Duration
	}{
		{"PT0S", 250 * time.Millisecond},
		{"PT1S", 500 * time.Millisecond},
		{"PT4S", 2 * time.Second},
		{"PT20S", 10 * time.Second},
		{"PT2M30S", 15 * time.Second},
		{"PT1H", 15 * time.Second},
		{"garbage", 250 * time.Millisecond},
	} {
		if got := pollInterval(tc.estimate); got != tc.want {
			t.Errorf("pollInterval(%q) = %v, want %v", tc.estimate, got, tc.want)
		}
	}
}

func TestTokenSeq(t *testing.T) {
	// {"alg":"EdDSA"} . {"seq":42} . signature (not checked)
	if got := tokenSeq("eyJhbGciOiJFZERTQSJ9.eyJzZXEiOjQyfQ.c2ln"); got != 42 {
		t.Fatalf("tokenSeq = %d, want 42", got)
	}
	if got := tokenSeq("not-a-token"); got != 0 {
		t.Fatalf("tokenSeq of garbage = %d", got)
	}
}
