//go:build tools

// Package tools pins Pebble's command as a dependency of this wrapper module, so build.sh can
// build it like every other peer (Pebble itself needs no replaces; `go install` would do too).
package tools

import _ "github.com/canonical/pebble/cmd/pebble"
