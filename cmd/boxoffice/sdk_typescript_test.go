package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestTypeScriptSDK runs the TypeScript SDK's tests (openapi/typescript/test) with Node
// against a live `boxoffice dev`: a fan's whole visit through the SDK, and each class of error
// as a typed problem.
func TestTypeScriptSDK(t *testing.T) {
	npm, err := exec.LookPath("npm")
	if err != nil {
		skipOrFail(t, "npm (Node.js) is needed for the TypeScript SDK's tests")
	}
	sdk, err := filepath.Abs("../../openapi/typescript")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(sdk, "node_modules")); err != nil {
		npmRun(t, npm, sdk, nil, "ci", "--no-audit", "--no-fund")
	}
	base := memoryDev(t, "BOXOFFICE_ADMIN_KEY="+e2eAdminKey)
	npmRun(t, npm, sdk, []string{"BOXOFFICE_BASE_URL=" + base, "BOXOFFICE_ADMIN_KEY=" + e2eAdminKey}, "test")
}

// npmRun runs npm with args in dir and fails the test with its output if it fails.
func npmRun(t *testing.T, npm, dir string, env []string, args ...string) {
	t.Helper()
	cmd := exec.Command(npm, args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm %v: %v\n%s", args, err, out)
	}
}
