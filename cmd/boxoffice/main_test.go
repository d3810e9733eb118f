package main

import (
	"os"
	"testing"

	"github.com/boxoffice/boxoffice/adapters/httpapi"
)

// TestMain configures huma as main does, for the tests that build the API in this process.
func TestMain(m *testing.M) {
	httpapi.ConfigureHuma()
	os.Exit(m.Run())
}
