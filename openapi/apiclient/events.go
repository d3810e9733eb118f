package apiclient

// Hand-written, like helpers.go: the generated client does not read event streams.

import (
	"bufio"
	"io"
	"strings"
)

// ReadEvents reads a Server-Sent Events stream, such as the body of GET /api/token/events,
// and calls f with each event's name ("status", "heartbeat", "ended") and data until the stream
// ends or f returns false. It returns the read error, if any.
func ReadEvents(body io.Reader, f func(name, data string) bool) error {
	var name string
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		line := sc.Text()
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			name = ev
		} else if data, ok := strings.CutPrefix(line, "data: "); ok {
			if !f(name, data) {
				return nil
			}
			name = ""
		}
	}
	return sc.Err()
}
