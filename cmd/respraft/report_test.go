package main

import (
	"fmt"
	"os"
	"testing"
)

// report logs a measurement the issues ask the tests to print (the
// longest client-visible stall of a rolling restart, the time to elect a
// new leader...) and, when RESPRAFT_TEST_REPORT names a file, appends it
// there too: `make test` sets it and prints the file at the end, because
// go test shows a passing test's log only with -v.
func report(t testing.TB, format string, args ...any) {
	t.Helper()
	line := fmt.Sprintf(format, args...)
	t.Log(line)
	path := os.Getenv("RESPRAFT_TEST_REPORT")
	if path == "" {
		return
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		t.Errorf("report: %v", err)
		return
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "%s: %s\n", t.Name(), line); err != nil {
		t.Errorf("report: %v", err)
	}
}
