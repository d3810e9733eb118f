package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"
)

// ProblemListener wraps the API's listener so that the answers Go's HTTP server writes itself,
// before any handler runs, are problems like every other: a request it cannot parse (a control
// character such as DEL in a header value, a malformed header line or Host header, another HTTP
// version, an unknown transfer coding, a header section past its 1 MiB). net/http offers no
// hook for those answers; it writes each as plain text straight to the connection, then closes
// it, so the connection recognises them by their fixed form and writes the problem instead.
func ProblemListener(l net.Listener) net.Listener { return problemListener{l} }

type problemListener struct{ net.Listener }

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c}, nil
}

// problemConn is a connection whose server's own plain-text refusals become problems.
type problemConn struct{ net.Conn }

func (c *problemConn) Write(b []byte) (int, error) {
	status, text, ok := serverRefusal(b)
	if !ok {
		return c.Conn.Write(b)
	}
	if _, err := c.Conn.Write(refusalProblem(status, text)); err != nil {
		return 0, err
	}
	return len(b), nil
}

// CloseWrite lets the server end its side first, as it does on a bare TCP connection, so the
// client reads the answer before the connection closes.
func (c *problemConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// goRefusalHeaders are the header fields of net/http's own refusals, in its order. A handler's
// answer never starts so: the edge gives every answer an X-Request-Id, and the server writes
// Date before Content-Type and Connection.
const goRefusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// serverRefusal reads b as one of net/http's own refusals: its status and its status line's
// text ("400 Bad Request: malformed Host header").
func serverRefusal(b []byte) (int, string, bool) {
	// Most writes are answers of 1xx to 3xx, told apart by their tenth byte without a search.
	if len(b) > 512 || len(b) < 10 || b[9] != '4' && b[9] != '5' {
		return 0, "", false
	}
	rest, ok := bytes.CutPrefix(b, []byte("HTTP/1.1 "))
	if !ok {
		return 0, "", false
	}
	line, body, ok := bytes.Cut(rest, []byte(goRefusalHeaders))
	if !ok || len(line) < 3 || bytes.ContainsAny(body, "\r\n") {
		return 0, "", false
	}
	status, err := strconv.Atoi(string(line[:3]))
	if err != nil || status < 400 || status > 599 {
		return 0, "", false
	}
	return status, string(line), true
}

// refusalDetails restate net/http's refusals, by their status line, in the API's words.
var refusalDetails = []struct{ line, detail string }{
	{"400 Bad Request: invalid header name", "a header field's name has a character HTTP does not allow in names"},
	{"400 Bad Request: missing required Host header", "the request has no Host header, which HTTP/1.1 requires"},
	{"400 Bad Request: malformed Host header", "the Host header is malformed"},
	{"431 ", "the request's header fields are larger than the server reads (1 MiB); send fewer or shorter ones"},
	{"501 ", "the request's Transfer-Encoding is not one the server takes; send the body with Content-Length, or chunked"},
	{"505 ", "the request's HTTP version is not one the server speaks; use HTTP/1.1"},
	{"400 Bad Request", "the request is not well-formed HTTP: a header value has a character HTTP does not allow " +
		"(a control character such as DEL), or a header line or the request line is malformed, or Host or Content-Length " +
		"is malformed or given twice"},
}

// refusalProblem is the whole answer, as the connection writes it, of a refusal of net/http's.
func refusalProblem(status int, line string) []byte {
	detail := "the request could not be read as HTTP"
	for _, r := range refusalDetails {
		if line == r.line || strings.HasSuffix(r.line, " ") && strings.HasPrefix(line, r.line) {
			detail = r.detail
			break
		}
	}
	body, _ := json.Marshal(&Problem{ErrorModel: huma.ErrorModel{Status: status, Title: http.StatusText(status), Detail: detail}})
	return fmt.Appendf(nil, "HTTP/1.1 %d %s\r\nContent-Type: application/problem+json\r\nX-Content-Type-Options: nosniff\r\n"+
		"Connection: close\r\nContent-Length: %d\r\n\r\n%s", status, http.StatusText(status), len(body), body)
}
