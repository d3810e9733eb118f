package httpapi_test

import (
	"strings"
	"testing"
)

// The fan page at / loads only from its own origin, announces the fan's place, and is small.
func TestTheFanPageIsServedWholeAndSmall(t *testing.T) {
	h := newHarness(t)
	total := 0
	for _, path := range []string{"/", "/web/fan.js", "/web/style.css", "/admin", "/web/admin.js"} {
		r := h.expect(t, "GET", path, "", nil, 200)
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "connect-src 'self'") {
			t.Fatalf("%s: content security policy %q", path, csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("%s is served without nosniff", path)
		}
		if !strings.Contains(path, "admin") {
			total += len(r.body) // the fan's page alone
		}
	}
	if page := h.expect(t, "GET", "/", "", nil, 200); strings.Contains(string(page.body), "://") || !strings.Contains(string(page.body), `aria-live="polite"`) {
		t.Fatalf("the fan page names another origin or announces nothing:\n%s", page.body)
	}
	if total > 200_000 {
		t.Fatalf("the fan page is %d bytes, over 200 kB", total)
	}
	t.Logf("the fan page is %d bytes, uncompressed", total)
	h.expect(t, "GET", "/web/other.js", "", nil, 404)
}
