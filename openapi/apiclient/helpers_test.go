package apiclient_test

import (
	"testing"

	"github.com/boxoffice/boxoffice/openapi/apiclient"
)

func TestRequireLoopback(t *testing.T) {
	for _, ok := range []string{"http://127.0.0.1:8080", "http://localhost:1", "http://[::1]:80"} {
		if err := apiclient.RequireLoopback(ok); err != nil {
			t.Errorf("%s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://10.0.0.1:8080", "https://example.com", "http://0.0.0.0:80"} {
		if err := apiclient.RequireLoopback(bad); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
