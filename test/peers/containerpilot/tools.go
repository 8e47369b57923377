//go:build tools

// Package tools pins ContainerPilot 3.8.0 (commit 408dbc9, a glide project without go.mod) as a
// dependency of this wrapper module; the requires in go.mod pin its dependencies to versions of
// its era, since the latest ones no longer fit its code.
package tools

import _ "github.com/joyent/containerpilot"
