package main

import (
	"strings"
	"testing"
)

// Bad flags are refused before anything is started, saying what is allowed.
func TestBookingBenchRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		says string
	}{
		{[]string{"-phases", "storm,nope"}, `no phase "nope"; the phases are poll, listing, storm, orders, issue, payments, rate, expiry`},
		{[]string{"-fans", "5"}, "-fans must be 10 to 100000"},
		{[]string{"-fans", "100001"}, "-fans must be 10 to 100000"},
		{[]string{"-fans", "100", "-cycle", "101"}, "-cycle must be 0 to -fans"},
		{[]string{"-cycle", "-1"}, "-cycle must be 0 to -fans"},
		{[]string{"-duration", "2m"}, "-duration must be 1s to 1m"},
		{[]string{"-seats", "0"}, "-seats must be 1 to 10000"},
		{[]string{"-payments", "10"}, "-payments must be 64 to 1000"},
		{[]string{"-rate", "60000"}, "-rate must be 100 to 50000"},
		{[]string{"-expiring", "5"}, "-expiring must be 10 to 1000"},
		{[]string{"-pollers", "1"}, "-pollers must be 2 to 64"},
	} {
		if err := runBookingBench(tc.args); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("measure booking %v: %v, want it to say %q", tc.args, err, tc.says)
		}
	}
}

// The storm's counts are read from the line its script prints; a report without it is an error.
func TestStormCounts(t *testing.T) {
	won, lost, other, reused, err := stormCounts("Requests/sec: 5.0\nstorm won=50 lost=27835 other=2 reused=7\n")
	if err != nil || won != 50 || lost != 27835 || other != 2 || reused != 7 {
		t.Fatalf("stormCounts = %d, %d, %d, %d, %v", won, lost, other, reused, err)
	}
	if _, _, _, _, err := stormCounts("Requests/sec: 5.0\n"); err == nil {
		t.Fatal("a report without the storm's line was read")
	}
}
