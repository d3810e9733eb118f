package httpapi_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestDocsRenderOfflineInABrowser loads /docs in headless Chromium with every host but the
// test server unresolvable, as on a machine without internet: the page must render the API's
// operations from the binary's own assets, under its content security policy.
func TestDocsRenderOfflineInABrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	browser, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("BOXOFFICE_E2E_REQUIRED") != "" {
			t.Fatal("the docs test needs Chromium (apt-get install chromium)")
		}
		t.Skip("the docs test needs Chromium (apt-get install chromium)")
	}
	h := newHarness(t)
	for path, want := range map[string]string{"/docs": "default-src 'none'", "/docs/assets/swagger-ui-bundle.js": "", "/docs/start.js": ""} {
		r := h.expect(t, "GET", path, "", nil, 200)
		if csp := r.header.Get("Content-Security-Policy"); !strings.Contains(csp, want) {
			t.Fatalf("%s: content security policy %q", path, csp)
		}
	}
	if page := h.expect(t, "GET", "/docs", "", nil, 200); strings.Contains(string(page.body), "://") {
		t.Fatalf("the docs page names another origin:\n%s", page.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+t.TempDir(),
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=15000", "--dump-dom", h.srv.URL+"/docs")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{"Join the queue", "Hold a seat", "Pay for a held seat", "opblock-summary"} {
		if !strings.Contains(string(dom), want) {
			t.Fatalf("the rendered docs lack %q; browser log:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stderr.String(), "Content Security Policy") {
		t.Fatalf("the page broke its own content security policy:\n%s", stderr.String())
	}
}
