package apiclient_test

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

func TestReadEvents(t *testing.T) {
	stream := "event: status\ndata: {\"status\":\"waiting\"}\n\n: comment\nevent: heartbeat\ndata: {}\n\ndata: unnamed\n\nevent: ended\ndata: bye\n\n"
	var got []string
	if err := apiclient.ReadEvents(strings.NewReader(stream), func(name, data string) bool {
		got = append(got, name+"="+data)
		return name != "ended"
	}); err != nil {
		t.Fatal(err)
	}
	want := `status={"status":"waiting"}|heartbeat={}|=unnamed|ended=bye`
	if strings.Join(got, "|") != want {
		t.Fatalf("events %q, want %q", strings.Join(got, "|"), want)
	}
	got = nil
	_ = apiclient.ReadEvents(strings.NewReader(stream), func(name, data string) bool { got = append(got, name); return false })
	if len(got) != 1 {
		t.Fatalf("read on after f said stop: %v", got)
	}
	broken := errors.New("connection reset")
	if err := apiclient.ReadEvents(iotest.ErrReader(broken), func(string, string) bool { return true }); !errors.Is(err, broken) {
		t.Fatalf("read error %v, want %v", err, broken)
	}
}
